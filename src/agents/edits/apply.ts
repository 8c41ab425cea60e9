// Applies parsed edit blocks inside a worktree: exact matches only, never a guess, never outside the worktree.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { resolveRigPath, type EditPolicy } from '../policy/protected-paths.js';
import type { EditBlock } from './parse.js';
import { closestWindow, findMatches } from './match.js';

export type EditStatus = 'applied' | 'created' | 'no_match' | 'ambiguous' | 'unsafe_path' | 'protected_path' | 'missing_file' | 'file_exists';

export interface EditResult {
  index: number;
  path: string;
  status: EditStatus;
  /** For failures: what the model must do differently, with the closest lines when there was no match. */
  message: string;
}

export interface ApplyOptions {
  /** When any block fails, write nothing at all. */
  allOrNothing?: boolean;
  /** The role's protected-paths policy; every engine caller passes one (without it only the rig's boundary and .git are enforced). */
  policy?: EditPolicy;
}

export interface ApplyOutcome {
  results: EditResult[];
  /** Paths (relative to the worktree) that were written. */
  written: string[];
  ok: boolean;
}

interface FileState {
  lines: string[];
  eol: '\n' | '\r\n';
  changed: boolean;
}


function numbered(lines: string[], start: number, count: number): string {
  return lines
    .slice(start, start + count)
    .map((l, k) => `${String(start + k + 1).padStart(5)} | ${l}`)
    .join('\n');
}

function noMatchMessage(block: EditBlock, lines: string[]): string {
  const head = `SEARCH block ${block.index} for ${block.path} does not match the file exactly (nothing was changed).`;
  const near = closestWindow(lines, block.search);
  if (!near || near.score < 0.3) {
    return `${head}\nNo similar lines were found. Re-read the file and copy the lines to replace exactly, including indentation.`;
  }
  const hint = near.indentationOnly
    ? 'These lines differ from your SEARCH only in indentation (GDScript uses tabs here?): copy the indentation exactly.'
    : 'Copy the SEARCH lines exactly from the file as it is now.';
  return `${head}\nThe closest lines in the file are ${near.start + 1}-${near.start + near.length}:\n${numbered(lines, near.start, near.length)}\n${hint}`;
}

export function applyEditBlocks(root: string, blocks: EditBlock[], options: ApplyOptions = {}): ApplyOutcome {
  const files = new Map<string, FileState>();
  const absOf = new Map<string, string>();
  const results: EditResult[] = [];
  const fail = (block: EditBlock, status: EditStatus, message: string): void => {
    results.push({ index: block.index, path: block.path, status, message });
  };

  for (const block of blocks) {
    // One resolver for every model edit: normalised, symbolic links followed, the role's protected paths refused.
    const safe = resolveRigPath(root, block.path, options.policy ?? null);
    if (!safe.ok) {
      const status = safe.kind === 'protected' ? 'protected_path' : 'unsafe_path';
      fail(block, status, `Block ${block.index}: refused path "${block.path}": ${safe.reason}. Nothing was written.`);
      continue;
    }
    const key = safe.path;
    absOf.set(key, safe.abs);
    let state = files.get(key);
    if (!state && existsSync(safe.abs)) {
      const text = readFileSync(safe.abs, 'utf8');
      state = { lines: text.split(/\r?\n/), eol: text.includes('\r\n') ? '\r\n' : '\n', changed: false };
      files.set(key, state);
    }
    const isEmpty = !state || (state.lines.length === 1 && state.lines[0] === '');
    if (block.search.length === 0 || block.search.every((l) => l.trim() === '')) {
      if (!isEmpty) {
        fail(block, 'file_exists', `Block ${block.index}: ${block.path} already exists, so an empty SEARCH cannot create it. Use SEARCH lines copied from the file.`);
        continue;
      }
      files.set(key, { lines: [...block.replace, ''], eol: '\n', changed: true });
      results.push({ index: block.index, path: key, status: 'created', message: `created ${key}` });
      continue;
    }
    if (!state) {
      fail(block, 'missing_file', `Block ${block.index}: ${block.path} does not exist. To create it, use an empty SEARCH section.`);
      continue;
    }
    const matches = findMatches(state.lines, block.search);
    if (matches.length === 0) {
      fail(block, 'no_match', noMatchMessage(block, state.lines));
      continue;
    }
    if (matches.length > 1) {
      const where = matches.map((m) => m + 1).join(', ');
      fail(block, 'ambiguous', `SEARCH block ${block.index} for ${block.path} matches ${matches.length} places (lines ${where}); nothing was changed. Add surrounding lines so it matches exactly one place.`);
      continue;
    }
    state.lines.splice(matches[0]!, block.search.length, ...block.replace);
    state.changed = true;
    results.push({ index: block.index, path: key, status: 'applied', message: `applied to ${key} at line ${matches[0]! + 1}` });
  }

  const ok = results.every((r) => r.status === 'applied' || r.status === 'created');
  const written: string[] = [];
  if (ok || !options.allOrNothing) {
    for (const [key, state] of files) {
      if (!state.changed) continue;
      writeFileAtomicSync(absOf.get(key)!, state.lines.join(state.eol));
      written.push(key);
    }
  }
  return { results, written, ok };
}

/** The per-block report sent back to the model after an edit round. */
export function formatEditReport(outcome: ApplyOutcome, parseErrors: string[] = []): string {
  const lines: string[] = [];
  for (const e of parseErrors) lines.push(`- ${e}`);
  for (const r of outcome.results) {
    if (r.status === 'applied' || r.status === 'created') lines.push(`- block ${r.index} (${r.path}): ${r.message}`);
    else lines.push(`- block ${r.index} (${r.path}) FAILED [${r.status}]: ${r.message}`);
  }
  const failed = parseErrors.length + outcome.results.filter((r) => r.status !== 'applied' && r.status !== 'created').length;
  const head = failed === 0 ? 'All edit blocks applied.' : `${failed} edit block(s) failed; resend only the failed blocks, corrected.`;
  return [head, ...lines].join('\n');
}
