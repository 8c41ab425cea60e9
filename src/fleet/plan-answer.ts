// Printed plans kept per bead-index generation (bead-views.ts) and served only while every other input the plan
// read is unchanged: the config file, catalog file, --measured file, the state and models folders, and the code.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveView, writeView } from '../beads/bead-views.js';
import { indexDirFor } from '../beads/scan-index.js';
import { scanBeads, type ScanResult } from '../beads/scan.js';

/**
 * A file (fingerprinted by its bytes), a large file (by its size, times and inode: a GGUF whose header is read), a
 * folder (by every file's path, size, times and inode below it), or the code's folder (the same, source maps left out).
 */
export interface PlanInput {
  path: string;
  kind: 'file' | 'stamp' | 'tree' | 'code';
}

/** The files and folders a plan read besides the beads; runPlan names them before it reads any but the config. */
export interface PlanInputPaths {
  configFile: string;
  catalogFile: string | null;
  measuredFile: string | null;
  stateDir: string;
  modelsDir: string;
  /** Each catalog model's GGUF path (a catalog may name files outside modelsDir). */
  modelFiles: string[];
}

/** The code that plans and prints (dist/ or src/ beside this folder) and the package that pins its dependencies. */
const CODE_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export function planInputs(p: PlanInputPaths): PlanInput[] {
  const files = [p.configFile, p.catalogFile, p.measuredFile, join(dirname(CODE_ROOT), 'package.json')].filter((f): f is string => f !== null);
  return [
    ...files.map((path) => ({ path, kind: 'file' as const })),
    ...p.modelFiles.map((path) => ({ path, kind: 'stamp' as const })),
    { path: p.stateDir, kind: 'tree' },
    { path: p.modelsDir, kind: 'tree' },
    { path: CODE_ROOT, kind: 'code' },
  ];
}

/**
 * What names one printed plan besides its inputs' contents: the flags, the folder it ran in and the environment
 * the config reads (GTH_*; the log level only changes what goes to stderr).
 */
export function planAnswerKey(flags: Record<string, unknown>, cwd: string, env: NodeJS.ProcessEnv): string {
  const vars = Object.keys(env)
    .filter((k) => (k.startsWith('GTH_') && k !== 'GTH_LOG_LEVEL') || k === 'HOME' || k.startsWith('XDG_'))
    .sort()
    .map((k) => [k, env[k]]);
  return JSON.stringify(['gth plan', flags, cwd, vars, process.version]);
}

const hash = (data: string | Buffer): string => createHash('sha256').update(data).digest('base64url');
const missing = (err: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/** The input as it is now; a file that cannot be read for another reason throws (and nothing is kept or served). */
export function fingerprint(input: PlanInput): string {
  try {
    if (input.kind === 'file') return hash(readFileSync(input.path));
    if (input.kind === 'stamp') return stampOf(statSync(input.path));
    const lines: string[] = [];
    walk(input.path, '', lines, input.kind === 'code' ? (name) => name.endsWith('.map') : () => false);
    return hash(lines.join('\n'));
  } catch (err) {
    if (missing(err)) return 'absent';
    throw err;
  }
}

const stampOf = (st: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): string => `${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino}`;

function walk(dir: string, rel: string, out: string[], skip: (name: string) => boolean): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (skip(e.name)) continue;
    const path = join(dir, e.name);
    const name = rel ? `${rel}/${e.name}` : e.name;
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      // A dangling link is an input that reads as missing: its name is enough.
      if (missing(err)) {
        out.push(`${name} absent`);
        continue;
      }
      throw err;
    }
    if (st.isDirectory()) walk(path, name, out, skip);
    else out.push(`${name} ${stampOf(st)}`);
  }
}

export interface KeptPlan {
  /** Prints the plan kept for these beads and flags if every input still matches; false when it printed nothing. */
  write(): boolean;
  /** The scan the answer was looked up by: the plan made on a miss plans these beads, under this generation. */
  scan: ScanResult;
  /** Fingerprints the inputs; called before the plan reads them, so a change while it runs is seen next time. */
  noteInputs(paths: PlanInputPaths): void;
  /** Keeps the printed plan (best effort; only for a clean scan with a generation). */
  save(answer: string): void;
}

/** Looks up the printed plan of the beads in `beadsDir` (scanned now, or `scan`) under `key`; on a miss, the plan made keeps its answer. */
export async function openKeptPlan(beadsDir: string, key: string, scanned?: ScanResult): Promise<KeptPlan> {
  const scan = scanned ?? (await scanBeads(beadsDir, { bytes: false }));
  const indexDir = indexDirFor(beadsDir);
  let prints: [string, PlanInput['kind'], string][] | null = null;
  return {
    write: () => writeView(indexDir, scan.generation, key, 1, inputsUnchanged),
    scan,
    noteInputs(paths) {
      try {
        prints = planInputs(paths).map((i) => [i.path, i.kind, fingerprint(i)]);
      } catch {
        prints = null; // an input we cannot fingerprint: this plan is not kept
      }
    },
    save(answer) {
      if (prints && !scan.problems.length) saveView(indexDir, scan.generation, key, `${JSON.stringify(prints)}\n${answer}`);
    },
  };
}

/** Whether every input is as the kept plan's first line (its inputs' fingerprints when it was made) says. */
function inputsUnchanged(line: string): boolean {
  try {
    const prints = JSON.parse(line) as [string, PlanInput['kind'], string][];
    if (!Array.isArray(prints) || !prints.length) return false;
    for (const [path, kind, print] of prints) if (fingerprint({ path, kind }) !== print) return false;
    return true;
  } catch {
    return false;
  }
}
