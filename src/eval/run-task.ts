// One eval run: one task, one model, through the engine's own role procedure in a fresh workspace.
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import type { Role } from '../beads/schema.js';
import { runPolecat } from '../agents/engine/polecat.js';
import { reviewChange } from '../agents/engine/refinery.js';
import { runLibrarian, librarianBranch } from '../agents/engine/librarian.js';
import { LadderRouter, type ModelChoice } from '../agents/engine/router.js';
import type { LoadedRig } from '../agents/rig/load.js';
import { runRigTests } from '../agents/rig/run-tests.js';
import { checkNoCodeChange } from '../agents/librarian/no-code-change.js';
import { listFiles } from '../fleet/rig-context.js';
import { isUnder, protectedPathsInDiff, testDirs } from '../agents/policy/protected-paths.js';
import { errorMessage } from '../util/errors.js';
import type { RunRecord } from './results-schema.js';
import { matchReview } from './review-match.js';
import type { EvalTask } from './tasks.js';
import { createWorkspace, type Workspace } from './workspace.js';
import { totals, startVramPeak, type MeasuredProvider, type VramReader } from './measure.js';

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
  tmp?: string;
}

/** The outcome a role procedure reports, before the measurements are added. */
interface Outcome {
  passed: boolean;
  attempts: number;
  guardHits?: number;
  defectsPlanted?: number;
  defectsFound?: number;
  falseAlarms?: number;
  codeChanges?: number;
  note?: string;
}

const GUARD_NOTE = /^GDScript guard:/;

async function polecat(ws: Workspace): Promise<Outcome> {
  const res = await runPolecat(ws.ctx, ws.bead);
  const bead = await ws.ctx.store.get(ws.bead.id);
  // Every round the guard rejected is on the bead's attempt trail, with the guard's own feedback as the note.
  const guardHits = bead.attempts.filter((a) => GUARD_NOTE.test(a.note ?? '')).length;
  const last = bead.attempts.filter((a) => a.outcome !== 'escalated').at(-1);
  // The review's rule: a change touching protected paths (tests, rig config, add-ons, CI) fails, whatever the run said.
  const touched = res.ok ? protectedPathsInDiff(await ws.ctx.git.changedFiles(res.worktree, ws.ctx.convoyBranch), ws.ctx.rig.config) : [];
  if (touched.length) return { passed: false, attempts: res.attempts, guardHits, note: `touches protected path(s): ${touched.map((h) => `${h.path} (${h.reason})`).join('; ')}` };
  return { passed: res.ok, attempts: res.attempts, guardHits, note: res.ok ? '' : (last?.note ?? '').split('\n')[0]! };
}

async function refinery(ws: Workspace, task: EvalTask, calls: () => number): Promise<Outcome> {
  if (task.spec.kind !== 'refinery') throw new Error('not a refinery task');
  const spec = task.spec;
  // The reviewed change: the task's `change` folder committed on a branch off the convoy branch, as a Polecat would.
  const worktree = join(ws.ctx.worktrees, `change-${ws.bead.id}`);
  const branch = `polecat/${ws.bead.id}`;
  // The change's tests are the Refinery's: committed on the convoy branch first (tests first), so the
  // reviewed diff holds only the code, as it would in a convoy.
  const convoyWt = join(ws.ctx.worktrees, `convoy-${ws.bead.id}`);
  await ws.ctx.git.worktree(convoyWt, ws.ctx.convoyBranch, null);
  const changeDir = join(task.dir, spec.change);
  const dirs = testDirs(ws.ctx.rig.config);
  const isTest = (src: string): boolean => statSync(src).isDirectory() || dirs.some((d) => isUnder(relative(changeDir, src).split(sep).join('/'), d));
  cpSync(changeDir, convoyWt, { recursive: true, filter: isTest });
  await ws.ctx.git.commitAll(convoyWt, `${ws.bead.id}: tests first (refinery)`, 'refinery');
  await ws.ctx.git.worktree(worktree, branch, ws.ctx.convoyBranch);
  cpSync(join(task.dir, spec.change), worktree, { recursive: true });
  await ws.ctx.git.commitAll(worktree, `${ws.bead.id}: ${ws.bead.title}`, `polecat-${ws.bead.id}`);
  const tests = await runRigTests(worktree, ws.ctx.rig.config, { env: ws.ctx.testEnv });
  const diff = await ws.ctx.git.diff(worktree, ws.ctx.convoyBranch);
  const review = await reviewChange(ws.ctx, { bead: ws.bead, diff, tests, worktree });
  const m = matchReview(review, spec.expected.defects);
  return {
    passed: review.verdict === spec.expected.verdict && m.missed.length === 0,
    attempts: calls(),
    defectsPlanted: spec.expected.defects.length,
    defectsFound: m.found.length,
    falseAlarms: m.falseAlarms.length,
    note: m.missed.length ? `missed: ${m.missed.map((d) => `${d.kind} at ${d.file}:${d.line}`).join(', ')}` : '',
  };
}

/** Counts the code changes the Librarian made: from the engine's rejection, or by comparing its pushed branch. */
async function librarian(ws: Workspace, task: EvalTask, calls: () => number): Promise<Outcome> {
  if (task.spec.kind !== 'librarian') throw new Error('not a librarian task');
  const res = await runLibrarian(ws.ctx, ws.bead);
  let codeChanges = 0;
  const rejected = res.problems.find((p) => p.startsWith('Rejected:'));
  if (rejected) codeChanges = rejected.split('\n').filter((l) => l.startsWith('- ')).length;
  else if (res.ok) {
    const before: Record<string, string | null> = {};
    const after: Record<string, string | null> = {};
    for (const f of listFiles(ws.rigDir).filter((p) => !p.startsWith('.git/'))) {
      before[f] = existsSync(join(ws.rigDir, f)) ? readFileSync(join(ws.rigDir, f), 'utf8') : null;
      after[f] = await ws.ctx.git.show(ws.rigDir, librarianBranch(ws.bead.id), f);
    }
    codeChanges = checkNoCodeChange(before, after).changes.length;
  }
  const missing = task.spec.expected.documented.filter((k) => !res.documented.includes(k));
  return {
    passed: res.ok && codeChanges === 0 && missing.length === 0,
    attempts: calls(),
    codeChanges,
    note: [missing.length ? `not documented: ${missing.join(', ')}` : '', ...res.problems.map((p) => p.split('\n')[0]!)].filter(Boolean).join('; '),
  };
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
    const calls = (): number => provider.calls.length;
    if (task.spec.kind === 'polecat') outcome = await polecat(ws);
    else if (task.spec.kind === 'refinery') outcome = await refinery(ws, task, calls);
    else outcome = await librarian(ws, task, calls);
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
