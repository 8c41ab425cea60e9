// `gth run-epic`: one epic end to end on one machine — Crew, Mayor, tests first, Polecats, reviews, Librarian.
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Role, Bead } from '../../beads/schema.js';
import { BeadStore } from '../../beads/store.js';
import { loadRigConfig, type LoadedRig } from '../rig/load.js';
import { runRigTests } from '../rig/run-tests.js';
import { rigGit } from './rig-git.js';
import type { ModelRouter } from './router.js';
import { planWithCrew, epicFromText, type Epic } from './mayor.js';
import { runConvoy } from './convoy-run.js';
import type { LifecyclePolicy, Refusal } from '../../lifecycle/machine.js';
import type { LifecycleEffects } from '../../lifecycle/effects.js';
import { convoyWorktree } from './refinery.js';
import type { EngineContext, EngineEvent } from './types.js';
import { UsageError } from '../../util/errors.js';

export interface RunEpicOptions {
  epicText: string;
  rigDir: string;
  /** Town repository holding beads/ and plans/. */
  townDir: string;
  router: ModelRouter;
  brief: (role: Role, rig: LoadedRig) => string;
  /** Where worktrees live; default <town>/.gastown-state/worktrees. */
  stateDir?: string;
  /** Retry and revision limits (default: LOCAL_POLICY). */
  policy?: LifecyclePolicy;
  /** Wraps the local effects (tests). */
  effects?: (local: LifecycleEffects) => LifecycleEffects;
  commit?: boolean;
  attemptsPerModel?: number;
  /** Tokens of rig context a bead may get; a number, or per bead from the fleet plan. Default 12,000. */
  contextBudget?: number | ((bead: Bead) => number);
  log: Logger;
  emit?: (e: EngineEvent) => void;
  testEnv?: NodeJS.ProcessEnv;
}

export interface RunEpicSummary {
  convoyId: string;
  convoyBranch: string;
  resumed: boolean;
  /** Events the machine refused during the run (each logged with the reason). */
  refusals: Refusal[];
  beads: Pick<Bead, 'id' | 'title' | 'role' | 'status' | 'branch'>[];
  attempts: number;
  convoyTests: { passed: boolean; counts: Record<string, number> } | null;
}

export async function runEpic(opts: RunEpicOptions): Promise<RunEpicSummary> {
  const epic: Epic = epicFromText(opts.epicText);
  const rigDir = resolve(opts.rigDir);
  if (!existsSync(rigDir)) throw new UsageError(`--rig ${rigDir} is not a git repository (no such folder)`);
  const git = rigGit(rigDir);
  if (!(await git.isRepo())) throw new UsageError(`--rig ${rigDir} is not a git repository`);
  if (!(await git.hasRemote('origin'))) throw new UsageError(`--rig ${rigDir} has no "origin" remote to push agent branches to`);
  const rig = loadRigConfig(rigDir);
  const store = new BeadStore({ dir: join(opts.townDir, 'beads'), commit: opts.commit ?? false, actor: 'engine' });
  const emit = opts.emit ?? (() => undefined);
  const base = await git.head();

  let convoy = (await store.listConvoys()).find((c) => c.epicKey === epic.key);
  const resumed = Boolean(convoy);
  if (!convoy) {
    const planned = await planWithCrew({
      router: opts.router,
      store,
      epic,
      rigs: [rig],
      brief: opts.brief,
      commit: opts.commit ?? false,
      source: 'the epic file',
      question: `What in this rig relates to: ${epic.title}?`,
      onPhase: (phase) => emit({ kind: 'phase', phase }),
    });
    convoy = planned.convoy;
  }
  const convoyBranch = convoy.branch ?? `convoy/${convoy.id}`;
  await git.ensureBranch(convoyBranch, base);
  const ctx: EngineContext = {
    store,
    rig,
    git,
    router: opts.router,
    brief: opts.brief,
    worktrees: join(opts.stateDir ?? join(opts.townDir, '.gastown-state'), 'worktrees', rig.config.name),
    attemptsPerModel: opts.attemptsPerModel ?? 3,
    contextBudget: opts.contextBudget ?? 12_000,
    convoyId: convoy.id,
    convoyBranch,
    log: opts.log,
    emit,
    testEnv: opts.testEnv,
  };
  const driver = await runConvoy(ctx, { policy: opts.policy, effects: opts.effects });
  const final = await runRigTests(convoyWorktree(ctx), rig.config, { env: opts.testEnv });
  const beads = (await store.list()).filter((b) => convoy!.beads.includes(b.id));
  return {
    convoyId: convoy.id,
    convoyBranch,
    resumed,
    beads: beads.map(({ id, title, role, status, branch }) => ({ id, title, role, status, branch })),
    attempts: beads.reduce((n, b) => n + b.attempts.length, 0),
    convoyTests: { passed: final.passed, counts: final.counts },
    refusals: driver.refusals,
  };
}
