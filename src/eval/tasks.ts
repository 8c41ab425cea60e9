// Loads and checks the task set (eval/tasks/<name>/task.yml); a missing file is named with its task folder.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError, formatIssues, parseYamlFile } from '../config/load.js';
import { packagePath } from '../agents/paths.js';
import { EvalTaskSpec, type EvalKind } from './task-schema.js';

export interface EvalTask {
  name: string;
  /** Absolute task folder. */
  dir: string;
  spec: EvalTaskSpec;
  /** Absolute base rig folder (<tasks>/_rigs/<base>). */
  baseRig: string;
}

export const DEFAULT_TASKS_DIR = packagePath('eval', 'tasks');
/** Folders under the task set that are not tasks: shared base rigs. */
export const RIGS_FOLDER = '_rigs';

/** Files the spec names that must exist, as [field, path relative to the task folder]. */
function requiredFiles(spec: EvalTaskSpec): [string, string][] {
  const out: [string, string][] = [];
  const overlay = spec.rig.overlay;
  if (overlay) out.push(['rig.overlay', overlay]);
  if (spec.kind === 'polecat') {
    out.push(['solution', spec.solution]);
  }
  if (spec.kind === 'refinery') {
    out.push(['change', spec.change]);
    spec.expected.defects.forEach((d, i) => out.push([`expected.defects[${i}].file`, join(spec.change, d.file)]));
  }
  return out;
}

/** Whether `rel` exists in the rig state: in the overlay, or else in the base rig. */
function inRig(task: { dir: string; baseRig: string; spec: EvalTaskSpec }, rel: string): boolean {
  const overlay = task.spec.rig.overlay;
  return (overlay !== undefined && existsSync(join(task.dir, overlay, rel))) || existsSync(join(task.baseRig, rel));
}

/** Loads one task folder; every problem in it is reported in one ConfigError naming the folder and the file. */
export function loadTask(dir: string, tasksRoot = resolve(dir, '..')): EvalTask {
  const name = basename(dir);
  const file = join(dir, 'task.yml');
  if (!existsSync(file)) throw new ConfigError(`eval task ${dir}: missing file task.yml`);
  const parsed = EvalTaskSpec.safeParse(parseYamlFile(file));
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error));
  const spec = parsed.data;
  const baseRig = join(tasksRoot, RIGS_FOLDER, spec.rig.base);
  const problems: string[] = [];
  if (!existsSync(join(baseRig, '.gastown', 'rig.yml'))) problems.push(`eval task ${dir}: rig.base "${spec.rig.base}": missing base rig ${join(baseRig, '.gastown', 'rig.yml')}`);
  for (const [field, rel] of requiredFiles(spec)) {
    if (!existsSync(join(dir, rel))) problems.push(`eval task ${dir}: missing file ${rel} (named by task.yml ${field})`);
  }
  const task = { name, dir, spec, baseRig };
  const tests = spec.kind === 'librarian' ? [] : spec.tests;
  tests.forEach((t, i) => {
    if (!inRig(task, t)) problems.push(`eval task ${dir}: missing file ${t} (named by task.yml tests[${i}]; expected in the overlay or the base rig)`);
  });
  if (spec.kind !== 'polecat') {
    spec.bead.files.forEach((f, i) => {
      if (!inRig(task, f) && !(spec.kind === 'refinery' && existsSync(join(dir, spec.change, f)))) {
        problems.push(`eval task ${dir}: missing file ${f} (named by task.yml bead.files[${i}])`);
      }
    });
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return task;
}

/** Every task folder under `root` (sorted by name), optionally only some kinds or names; all problems at once. */
export function loadTaskSet(root: string = DEFAULT_TASKS_DIR, filter: { kinds?: EvalKind[]; names?: string[] } = {}): EvalTask[] {
  const abs = resolve(root);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new ConfigError(`eval task folder ${abs} does not exist`);
  const tasks: EvalTask[] = [];
  const problems: string[] = [];
  const names = readdirSync(abs)
    .filter((n) => !n.startsWith('_') && !n.startsWith('.') && statSync(join(abs, n)).isDirectory())
    .sort();
  for (const n of names) {
    if (filter.names && !filter.names.includes(n)) continue;
    try {
      const t = loadTask(join(abs, n), abs);
      if (!filter.kinds || filter.kinds.includes(t.spec.kind)) tasks.push(t);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(err.message);
      else throw err;
    }
  }
  const unknown = (filter.names ?? []).filter((n) => !names.includes(n));
  if (unknown.length) problems.push(`eval task folder ${abs}: no task named ${unknown.join(', ')}`);
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return tasks;
}

/** Writes the task's rig state (base rig, then overlay, then optional extra folders of the task) into `dest`. */
export function materializeRig(task: EvalTask, dest: string, extra: string[] = []): string {
  cpSync(task.baseRig, dest, { recursive: true });
  const layers = [task.spec.rig.overlay, ...extra].filter((l): l is string => Boolean(l));
  for (const layer of layers) cpSync(join(task.dir, layer), dest, { recursive: true });
  return dest;
}
