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
import { askCrew } from './crew.js';
import { quoteUntrusted } from '../../github/untrusted.js';
import { planEpic, epicFromText, newConvoyId, type Epic } from './mayor.js';
import { recoverInterrupted, testsFirst, workConvoy } from './convoy-run.js';
import { convoyWorktree } from './refinery.js';
import type { EngineContext, EngineEvent } from './types.js';
import { GthError, UsageError } from '../../util/errors.js';

export interface RunEpicOptions {
  epicText: string;
  rigDir: string;
  /** Town repository holding beads/ and plans/. */
  townDir: string;
  router: ModelRouter;
  brief: (role: Role, rig: LoadedRig) => string;
  /** Where worktrees live; default <town>/.gastown-state/worktrees. */
  stateDir?: string;
  dryRun?: boolean;
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
  dryRun: boolean;
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
    emit({ kind: 'phase', phase: 'crew' });
    // Reserved now so the Crew's calls are filed under the convoy in the cost ledger too.
    const convoyId = newConvoyId(store, epic);
    const crewChoice = await opts.router.choose('crew', 0);
    const crew = crewChoice
      ? [{ rig: rig.config.name, question: `What in this rig relates to: ${epic.title}?`, answer: await askCrew(crewChoice, rig, `What in this rig relates to this epic, and which scripts, tests and conventions does it involve?\n\n${quoteUntrusted('Epic', epic.body)}`, opts.brief, convoyId) }]
      : [];
    emit({ kind: 'phase', phase: 'mayor' });
    const mayor = await opts.router.choose('mayor', 0);
    if (!mayor) throw new GthError('no model is configured for the mayor role');
    if (opts.dryRun) {
      // A dry run asks for the plan but writes nothing: print what would be planned.
      const scratch = new BeadStore({ dir: join(opts.stateDir ?? join(opts.townDir, '.gastown-state'), 'dry-run', 'beads'), actor: 'engine' });
      const planned = await planEpic({ choice: mayor, store: scratch, epic, rigs: [rig], crew, brief: opts.brief, commit: false, convoyId });
      return {
        convoyId: planned.convoy.id,
        convoyBranch: `convoy/${planned.convoy.id}`,
        resumed: false,
        dryRun: true,
        beads: planned.beads.map(({ id, title, role, status, branch }) => ({ id, title, role, status, branch })),
        attempts: 0,
        convoyTests: null,
      };
    }
    convoy = (await planEpic({ choice: mayor, store, epic, rigs: [rig], crew, brief: opts.brief, commit: opts.commit ?? false, convoyId })).convoy;
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
  if (resumed) await recoverInterrupted(ctx);
  await testsFirst(ctx);
  await ctx.git.push(convoyWorktree(ctx), convoyBranch);
  await workConvoy(ctx);
  const final = await runRigTests(convoyWorktree(ctx), rig.config, { env: opts.testEnv });
  const beads = (await store.list()).filter((b) => convoy!.beads.includes(b.id));
  return {
    convoyId: convoy.id,
    convoyBranch,
    resumed,
    dryRun: false,
    beads: beads.map(({ id, title, role, status, branch }) => ({ id, title, role, status, branch })),
    attempts: beads.reduce((n, b) => n + b.attempts.length, 0),
    convoyTests: { passed: final.passed, counts: final.counts },
  };
}
