// Reads a rig checkout once: README tokens and, per referenced file, its tokens plus those of matching test files.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, relative, basename, extname } from 'node:path';
import { countTokens } from './tokenizer.js';
import type { RigTokens } from './prompt-tokens.js';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.godot', '.import', 'dist', 'build']);
const MAX_FILES = 20000;

/** Relative paths of the rig's files (bounded, skipping VCS and build folders). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length && out.length < MAX_FILES) {
    const dir = stack.pop()!;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) stack.push(join(dir, e.name));
      } else if (e.isFile()) out.push(relative(root, join(dir, e.name)));
    }
  }
  return out;
}

/** Test files that go with `file`: test_<stem>.*, <stem>_test.*, <stem>.test.*, <stem>.spec.* (GUT, pytest, vitest styles). */
export function testNamesFor(file: string): string[] {
  const stem = basename(file, extname(file));
  const ext = extname(file);
  return [`test_${stem}${ext}`, `${stem}_test${ext}`, `${stem}.test${ext}`, `${stem}.spec${ext}`];
}

export function loadRigTokens(rigDir: string, count: (t: string) => number = countTokens): RigTokens {
  if (!existsSync(rigDir) || !statSync(rigDir).isDirectory()) throw new Error(`rig folder not found: ${rigDir}`);
  const readmeName = ['README.md', 'readme.md', 'Readme.md'].find((n) => existsSync(join(rigDir, n)));
  const readmeTokens = readmeName ? count(readFileSync(join(rigDir, readmeName), 'utf8')) : null;
  const files = listFiles(rigDir);
  const byBase = new Map<string, string[]>();
  for (const f of files) {
    const b = basename(f);
    byBase.set(b, [...(byBase.get(b) ?? []), f]);
  }
  const tokenCache = new Map<string, number>();
  const tokensOf = (rel: string): number => {
    let n = tokenCache.get(rel);
    if (n === undefined) {
      n = count(readFileSync(join(rigDir, rel), 'utf8'));
      tokenCache.set(rel, n);
    }
    return n;
  };
  const result = new Map<string, number | null>();
  return {
    readmeTokens,
    fileTokens(path: string): number | null {
      const rel = path.replace(/^res:\/\//, '').replace(/^\.?\//, '');
      if (result.has(rel)) return result.get(rel)!;
      let total: number | null = null;
      if (existsSync(join(rigDir, rel)) && statSync(join(rigDir, rel)).isFile()) {
        total = tokensOf(rel);
        for (const t of testNamesFor(rel)) for (const p of byBase.get(t) ?? []) total += tokensOf(p);
      }
      result.set(rel, total);
      return total;
    },
  };
}
