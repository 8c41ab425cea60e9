// One eval run: one task, one model, driven through the lifecycle engine (runConvoy) in a fresh workspace, as `run-epic` drives a convoy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Bead, Role } from '../beads/schema.js';
import type { RefineryReview } from '../agents/contracts.js';
import { runConvoy, LOCAL_POLICY } from '../agents/engine/convoy-run.js';
import { inProcessJobs } from '../agents/engine/bead-jobs.js';
import { LadderRouter, type ModelChoice } from '../agents/engine/router.js';
import type { EngineContext } from '../agents/engine/types.js';
import type { LoadedRig } from '../agents/rig/load.js';
import { checkNoCodeChange } from '../agents/librarian/no-code-change.js';
import { findDocGaps } from '../agents/librarian/doc-gaps.js';
import { listFiles } from '../fleet/rig-context.js';
import type { JobStarter } from '../lifecycle/effects.js';
import type { LifecyclePolicy } from '../lifecycle/machine.js';
import { errorMessage } from '../util/errors.js';
import type { RunRecord } from './results-schema.js';
import type { EvalTask } from './tasks.js';
import type { EvalKind } from './task-schema.js';
import { createWorkspace, type Workspace } from './workspace.js';
import { totals, startVramPeak, type MeasuredProvider, type VramReader } from './measure.js';
import { rulesOnlyReview } from './review-seat.js';
import { preparedChangeJobs } from './prepared-jobs.js';
import { librarianOutcome, polecatOutcome, refineryOutcome, type Outcome } from './outcome.js';

export interface RunTaskOptions {
  task: EvalTask;
  /** The model under test; its provider is measured. */
  model: { name: string; choice: ModelChoice & { provider: MeasuredProvider } };
  repeat: number;
  convoyId: string;
  brief: (role: Role, rig: LoadedRig) => string;
  attemptsPerModel: number;
  contextBudget: number;
  log: Logger;
  testEnv?: NodeJS.ProcessEnv;
  vram?: VramReader;
  /** Money spent by this run's convoy, from the ledger. */
  costOf: (convoyId: string) => Promise<number>;
  /** Retry and revision limits (default: run-epic's LOCAL_POLICY; see evalPolicy). */
  policy?: LifecyclePolicy;
  /** Told the bead as the lifecycle left it, before the workspace goes (its history and attempt trail). */
  onBead?: (bead: Bead) => void;
  tmp?: string;
}

/**
 * The lifecycle policy of a run: `run-epic`'s. A review task stops at the first verdict (no revision round): the
 * reviewed change is prepared, and there is no Polecat to revise it.
 */
export function evalPolicy(kind: EvalKind, base: LifecyclePolicy = LOCAL_POLICY): LifecyclePolicy {
  return kind === 'refinery' ? { ...base, maxRevisions: 0 } : base;
}

/** Who does each job: the engine's own jobs; the task plays the roles that are not under test. */
function evalJobs(ctx: EngineContext, task: EvalTask, engine: JobStarter): JobStarter {
  switch (task.spec.kind) {
    case 'polecat':
      // The Polecat under test; its change is reviewed by the Refinery's rules, with no Refinery model.
      return inProcessJobs(ctx, { reviewer: rulesOnlyReview });
    case 'refinery':
      return preparedChangeJobs(ctx, join(task.dir, task.spec.change), engine);
    case 'librarian':
      return engine;
  }
}

/** What the Librarian's merged work holds against the task's rig: declarations documented and code changed. */
async function librarianLanded(ws: Workspace, bead: Bead): Promise<{ documented: string[]; codeChanges: number } | null> {
  if (bead.status !== 'done') return null;
  const before: Record<string, string | null> = {};
  const after: Record<string, string | null> = {};
  for (const f of listFiles(ws.rigDir).filter((p) => !p.startsWith('.git/'))) {
    before[f] = existsSync(join(ws.rigDir, f)) ? readFileSync(join(ws.rigDir, f), 'utf8') : null;
    after[f] = await ws.ctx.git.show(ws.rigDir, ws.ctx.convoyBranch, f);
  }
  const documented: string[] = [];
  for (const f of Object.keys(before).filter((p) => p.endsWith('.gd'))) {
    const still = new Set(findDocGaps(after[f] ?? '').map((g) => g.key));
    documented.push(...findDocGaps(before[f] ?? '').filter((g) => !still.has(g.key)).map((g) => `${f}:${g.key}`));
  }
  return { documented, codeChanges: checkNoCodeChange(before, after).changes.length };
}

/** Drives the task's bead through the lifecycle and reads the outcome from where it ended. */
async function drive(ws: Workspace, o: RunTaskOptions, calls: () => number): Promise<Outcome> {
  const { task } = o;
  const reviews: RefineryReview[] = [];
  // Progress goes nowhere; the reviews the review job got are kept (the machine is fed only their verdicts).
  const ctx: EngineContext = {
    ...ws.ctx,
    emit: (e) => {
      if (e.kind === 'bead' && e.review) reviews.push(e.review);
    },
  };
  await runConvoy(ctx, { policy: evalPolicy(task.spec.kind, o.policy), effects: (local) => ({ ...local, jobs: evalJobs(ctx, task, local.jobs) }) });
  const bead = await ctx.store.get(ws.bead.id);
  o.onBead?.(bead);
  const spec = task.spec;
  if (spec.kind === 'polecat') return polecatOutcome(bead);
  if (spec.kind === 'refinery') return refineryOutcome(bead, reviews.at(-1), spec, calls());
  return librarianOutcome(bead, spec, await librarianLanded(ws, bead), calls());
}

export async function runEvalTask(o: RunTaskOptions): Promise<RunRecord> {
  const { task } = o;
  const provider = o.model.choice.provider;
  provider.take();
  const router = new LadderRouter({ [task.spec.kind]: [o.model.choice] });
  const t0 = performance.now();
  const vram = startVramPeak(o.vram);
  let outcome: Outcome | null = null;
  let error: string | null = null;
  let ws: Workspace | undefined;
  try {
    ws = await createWorkspace(task, { router, brief: o.brief, convoyId: o.convoyId, attemptsPerModel: o.attemptsPerModel, contextBudget: o.contextBudget, log: o.log, testEnv: o.testEnv, tmp: o.tmp });
    outcome = await drive(ws, o, () => provider.calls.length);
  } catch (err) {
    error = errorMessage(err);
    o.log.warn({ task: task.name, model: o.model.name, err: error }, 'eval run failed');
  } finally {
    ws?.dispose();
  }
  const vramPeakMiB = await vram.stop();
  const samples = provider.take();
  const t = totals(samples);
  const spec = task.spec;
  return {
    task: task.name,
    kind: spec.kind,
    band: spec.kind === 'polecat' ? spec.band : null,
    model: o.model.name,
    repeat: o.repeat,
    convoyId: o.convoyId,
    passed: outcome?.passed ?? false,
    attempts: outcome?.attempts ?? samples.length,
    guardHits: outcome?.guardHits ?? 0,
    defectsPlanted: spec.kind === 'refinery' ? spec.expected.defects.length : 0,
    defectsFound: outcome?.defectsFound ?? 0,
    falseAlarms: outcome?.falseAlarms ?? 0,
    codeChanges: outcome?.codeChanges ?? 0,
    calls: t.calls,
    promptTokens: t.promptTokens,
    completionTokens: t.completionTokens,
    firstPromptTokens: samples[0] && !samples[0].failed ? samples[0].promptTokens : null,
    callSeconds: t.seconds,
    tokensPerSecond: t.tokensPerSecond,
    ttftMs: t.ttftMs,
    vramPeakMiB,
    costUsd: await o.costOf(o.convoyId),
    seconds: (performance.now() - t0) / 1000,
    error,
    note: outcome?.note ?? '',
  };
}
