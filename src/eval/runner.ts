// Runs every task against every chosen model (times --repeat) through the lifecycle engine and scores the runs.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Role } from '../beads/schema.js';
import type { LoadedRig } from '../agents/rig/load.js';
import type { EvalResults, RunRecord } from './results-schema.js';
import { runEvalTask } from './run-task.js';
import { scoreRuns } from './score.js';
import type { EvalTask } from './tasks.js';
import type { EvalModel } from './models.js';
import type { VramReader } from './measure.js';
import type { LifecyclePolicy } from '../lifecycle/machine.js';

export interface EvalProgress {
  done: number;
  total: number;
  task: string;
  model: string;
  repeat: number;
  last?: RunRecord;
}

export interface RunEvalOptions {
  tasks: EvalTask[];
  models: EvalModel[];
  repeat: number;
  tasksDir: string;
  brief: (role: Role, rig: LoadedRig) => string;
  attemptsPerModel: number;
  contextBudget: number;
  log: Logger;
  /** Money per convoy id from the cost ledger. */
  costOf: (convoyId: string) => Promise<number>;
  testEnv?: NodeJS.ProcessEnv;
  vram?: VramReader;
  /** The lifecycle's retry and revision limits (default: run-epic's). */
  policy?: LifecyclePolicy;
  onProgress?: (p: EvalProgress) => void;
  now?: () => Date;
  id?: string;
  tmp?: string;
}

/** A convoy id per run, so the ledger's entries for that run can be summed. */
export function runConvoyId(evalId: string, n: number): string {
  return `eval-${evalId}-${n}`;
}

export async function runEval(o: RunEvalOptions): Promise<EvalResults> {
  const id = o.id ?? randomBytes(3).toString('hex');
  const date = (o.now?.() ?? new Date()).toISOString();
  const total = o.tasks.length * o.models.length * o.repeat;
  const runs: RunRecord[] = [];
  const notes: string[] = [];
  let n = 0;
  for (let repeat = 0; repeat < o.repeat; repeat++) {
    for (const model of o.models) {
      for (const task of o.tasks) {
        o.onProgress?.({ done: n, total, task: task.name, model: model.name, repeat });
        const rec = await runEvalTask({
          task, model, repeat, convoyId: runConvoyId(id, n), brief: o.brief, attemptsPerModel: o.attemptsPerModel,
          contextBudget: o.contextBudget, log: o.log, testEnv: o.testEnv, vram: o.vram, costOf: o.costOf, policy: o.policy, tmp: o.tmp,
        });
        runs.push(rec);
        n++;
        o.onProgress?.({ done: n, total, task: task.name, model: model.name, repeat, last: rec });
      }
    }
  }
  if (!o.vram || runs.every((r) => r.vramPeakMiB === null)) notes.push('VRAM peak: no nvidia-smi reading during the runs (null); it needs nvidia-smi on PATH (runtime.nvidiaSmi)');
  for (const m of o.models) if (!m.info.sha256) notes.push(`${m.name}: ${m.info.note || 'no sha256'}`);
  return {
    v: 1, id, date, tasksDir: o.tasksDir, repeat: o.repeat, attemptsPerModel: o.attemptsPerModel,
    models: o.models.map((m) => m.info), runs, scores: scoreRuns(runs), notes,
  };
}
