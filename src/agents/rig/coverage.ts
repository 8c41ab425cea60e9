// Checks a rig's coverage rule: the share of public functions in its sources that some test calls.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { maskedLines } from '../gdscript/segments.js';
import type { RigConfig } from './schema.js';

export interface CoverageReport {
  ok: boolean;
  ratio: number;
  minRatio: number;
  tested: string[];
  untested: string[];
  detail: string;
}

function gdFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...gdFiles(p));
    else if (name.endsWith('.gd')) out.push(p);
  }
  return out;
}

/** Public (not underscore) top-level function names, as "file.gd:name". */
export function publicFunctions(root: string, file: string): string[] {
  const rel = relative(root, file).split('\\').join('/');
  const names: string[] = [];
  for (const line of maskedLines(readFileSync(file, 'utf8'))) {
    const m = /^(?:static\s+)?func\s+([A-Za-z]\w*)/.exec(line);
    if (m) names.push(`${rel}:${m[1]}`);
  }
  return names;
}

/** Names called as `name(` anywhere in test code (comments and strings ignored). */
function calledNames(files: string[]): Set<string> {
  const called = new Set<string>();
  for (const f of files) {
    for (const line of maskedLines(readFileSync(f, 'utf8'))) {
      for (const m of line.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) called.add(m[1]!);
    }
  }
  return called;
}

/** Null when the rig has no coverage rule. */
export function checkCoverage(root: string, config: RigConfig): CoverageReport | null {
  const rule = config.coverage;
  if (!rule) return null;
  const functions = rule.sourceDirs.flatMap((d) => gdFiles(join(root, d)).flatMap((f) => publicFunctions(root, f)));
  const called = calledNames(config.tests.dirs.flatMap((d) => gdFiles(join(root, d))));
  const tested = functions.filter((f) => called.has(f.slice(f.lastIndexOf(':') + 1)));
  const untested = functions.filter((f) => !tested.includes(f));
  const ratio = functions.length === 0 ? 1 : tested.length / functions.length;
  const ok = ratio >= rule.minRatio;
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const detail =
    `${tested.length}/${functions.length} public functions are called by tests (${pct(ratio)}, rule: at least ${pct(rule.minRatio)})` +
    (untested.length > 0 ? `; untested: ${untested.join(', ')}` : '');
  return { ok, ratio, minRatio: rule.minRatio, tested, untested, detail };
}
