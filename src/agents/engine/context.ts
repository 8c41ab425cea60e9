// Assembles a Polecat's context within its token budget: bead, its tests, then the most relevant rig files.
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { countTokens } from 'gpt-tokenizer';
import type { Bead } from '../../beads/schema.js';
import { listFiles, testNamesFor } from '../../fleet/rig-context.js';
import { beadText } from '../../fleet/prompt-tokens.js';

export interface ContextFile {
  path: string;
  content: string;
  tokens: number;
  why: 'bead file' | 'test' | 'related';
}

export interface AssembledContext {
  files: ContextFile[];
  /** Files that were relevant but did not fit the budget. */
  left: string[];
  tokens: number;
  budget: number;
}

const CODE_EXT = new Set(['.gd', '.tscn', '.tres', '.cfg', '.md', '.json', '.cs']);

function identifiers(text: string): Set<string> {
  return new Set((text.match(/[A-Za-z_][A-Za-z0-9_]{3,}/g) ?? []).map((w) => w.toLowerCase()));
}

/**
 * Ranks the rig's files for a bead: files the bead names first, then their tests, then other files by
 * how many identifiers they share with the bead and its tests. Whole files only: edit blocks need exact text.
 */
export function assembleContext(rigDir: string, bead: Bead, budget: number, testDirs: string[] = ['test']): AssembledContext {
  const all = listFiles(rigDir).filter((f) => CODE_EXT.has(extname(f)) && !f.startsWith('.gastown/'));
  const read = (p: string): string => readFileSync(join(rigDir, p), 'utf8');
  const picked: ContextFile[] = [];
  const seen = new Set<string>();
  const left: string[] = [];
  let used = countTokens(beadText(bead));
  const take = (path: string, why: ContextFile['why']): void => {
    if (seen.has(path) || !existsSync(join(rigDir, path))) return;
    seen.add(path);
    const content = read(path);
    const tokens = countTokens(content) + 20;
    if (used + tokens > budget) {
      left.push(path);
      return;
    }
    used += tokens;
    picked.push({ path, content, tokens, why });
  };
  for (const f of bead.files) take(f, 'bead file');
  const testFiles = all.filter((f) => testDirs.some((d) => f.startsWith(`${d}/`)));
  for (const f of bead.files) {
    const names = new Set(testNamesFor(f));
    for (const t of testFiles) if (names.has(t.split('/').pop()!)) take(t, 'test');
  }
  const wanted = identifiers([beadText(bead), ...picked.map((p) => p.content)].join('\n'));
  const scored = all
    .filter((f) => !seen.has(f) && extname(f) === '.gd')
    .map((f) => {
      const ids = identifiers(read(f));
      let score = 0;
      for (const w of ids) if (wanted.has(w)) score++;
      return { f, score };
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.f.localeCompare(b.f));
  for (const s of scored) take(s.f, 'related');
  return { files: picked, left, tokens: used, budget };
}

export function renderContext(ctx: AssembledContext): string {
  return ctx.files.map((f) => `### ${f.path} (${f.why})\n\`\`\`\n${f.content}${f.content.endsWith('\n') ? '' : '\n'}\`\`\``).join('\n\n');
}
