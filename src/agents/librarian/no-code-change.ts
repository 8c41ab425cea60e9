// The Librarian's guarantee: documentation edits only. Any change to GDScript code (or to non-doc files) is rejected.
import { codeLines } from './strip.js';

export interface CodeChange {
  path: string;
  /** 1-based line numbers of the first differing code line before/after (null when that side has none). */
  beforeLine: number | null;
  afterLine: number | null;
  before: string | null;
  after: string | null;
  reason: string;
}

export interface NoCodeChangeResult {
  ok: boolean;
  changes: CodeChange[];
}

/** Files the Librarian may change freely besides GDScript comments. */
const DOC_FILE = /\.(md|markdown|txt)$/i;

export function firstCodeDifference(path: string, before: string, after: string): CodeChange | null {
  const a = codeLines(before);
  const b = codeLines(after);
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k];
    const y = b[k];
    if (x && y && x.text === y.text) continue;
    let reason: string;
    if (x && y) reason = 'code line changed';
    else if (x) reason = 'code line removed';
    else reason = 'code line added';
    return { path, beforeLine: x?.line ?? null, afterLine: y?.line ?? null, before: x?.text ?? null, after: y?.text ?? null, reason };
  }
  return null;
}

/**
 * Compares every file present before or after (path -> content; null or absent = no such file).
 * `.gd` files may differ only in comments/blank lines; doc files may change; anything else may not.
 */
export function checkNoCodeChange(before: Record<string, string | null>, after: Record<string, string | null>): NoCodeChangeResult {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: CodeChange[] = [];
  for (const path of paths) {
    const x = before[path] ?? null;
    const y = after[path] ?? null;
    if (x === y || DOC_FILE.test(path)) continue;
    if (path.endsWith('.gd') && x !== null && y !== null) {
      const diff = firstCodeDifference(path, x, y);
      if (diff) changes.push(diff);
      continue;
    }
    const reason = x === null ? 'file added' : y === null ? 'file deleted' : 'non-documentation file changed';
    changes.push({ path, beforeLine: null, afterLine: null, before: null, after: null, reason });
  }
  return { ok: changes.length === 0, changes };
}

/** Rejection text for the model and the bead history. */
export function formatCodeChanges(result: NoCodeChangeResult): string {
  if (result.ok) return 'Librarian check passed: only comments and documentation changed.';
  const lines = ['Rejected: the Librarian may only add or edit ## comments and docs, never code.'];
  for (const c of result.changes) {
    if (c.before === null && c.after === null) {
      lines.push(`- ${c.path}: ${c.reason}`);
      continue;
    }
    const where = c.afterLine !== null ? `line ${c.afterLine}` : `line ${c.beforeLine} (before)`;
    lines.push(`- ${c.path}:${where}: ${c.reason}`);
    if (c.before !== null) lines.push(`    before (line ${c.beforeLine}): ${c.before.trim()}`);
    if (c.after !== null) lines.push(`    after  (line ${c.afterLine}): ${c.after.trim()}`);
  }
  return lines.join('\n');
}
