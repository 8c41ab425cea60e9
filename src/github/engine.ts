// The GitHub composition of the agent engine behind the app's ports: Crew + Mayor plan an epic onto a convoy branch, convoys are read back from git; the Refinery's review of a checkout.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Bead, type Role } from '../beads/schema.js';
import { BeadStore } from '../beads/store.js';
import { parseBeadText } from '../beads/serialize.js';
import { beadIdFromBranch } from './dispatch.js';
import { epicKeyOf, progressOf } from './convoy-progress.js';
import type { RepoRef } from './events.js';
import type { ConvoyLookup, ConvoyProgress, Engine, EpicPlanner, EpicRequest, MergeRecorder } from './ports.js';
import { TownRepos, type TownCheckout } from './town-repo.js';
import { createGithubLifecycle } from './convoy-driver.js';
import { findConvoy } from './convoy-branches.js';
import { GthError } from '../util/errors.js';
import type { RefineryReview } from '../agents/contracts.js';
import { loadRigConfig, type LoadedRig } from '../agents/rig/load.js';
import { runRigTests } from '../agents/rig/run-tests.js';
import { briefText } from '../agents/briefs/load.js';
import { planWithCrew } from '../agents/engine/mayor.js';
import { reviewChange } from '../agents/engine/refinery.js';
import { rigGit } from '../agents/engine/rig-git.js';
import type { ModelRouter } from '../agents/engine/router.js';
import type { EngineContext } from '../agents/engine/types.js';

export type BriefFn = (role: Role, rig: LoadedRig) => string;

export interface GithubEngineOptions {
  /** The app's state folder (clones of the repositories under towns/, review worktrees). */
  stateDir: string;
  /** Built on first use, so a missing Gemini key or a config mistake shows up where it matters (the epic's failure comment), not at start. */
  router: () => ModelRouter;
  brief?: BriefFn;
  log: Logger;
  /** Where a repository is fetched from (default GitHub over HTTPS with the installation token). */
  remoteUrl?: (repo: RepoRef) => string;
  /** Web base of the GitHub server for the default clone URL (GitHub Enterprise Server: `<proto>://<host>`). */
  gitBaseUrl?: string;
  /** Environment for git and the rig's test command (PATH must reach godot). */
  env?: NodeJS.ProcessEnv;
}

/** The whole engine for `gth serve`. */
export function createGithubEngine(o: GithubEngineOptions): Engine {
  const towns = new TownRepos({ stateDir: o.stateDir, remoteUrl: o.remoteUrl, env: o.env, gitBaseUrl: o.gitBaseUrl, log: o.log });
  const planner: EpicPlanner = { planEpic: (req) => towns.use(req.repo, req.token, (t) => planOnClone(o, t, req)) };
  const convoys: ConvoyLookup = {
    findByEpic: (repo, issueNumber, token) =>
      towns.use(repo, token, async (t) => {
        const found = await findConvoy(t, o.log, (c) => c.epicKey === epicKeyOf(repo, issueNumber));
        return found ? progressOf(found.convoy, found.beads) : null;
      }),
    findByBranch: (repo, branch, token) =>
      towns.use(repo, token, async (t) => {
        const found = await findConvoy(t, o.log, (c) => (c.branch ?? `convoy/${c.id}`) === branch);
        const epic = found?.convoy.epic;
        return epic && (epic.repo === null || epic.repo === `${repo.owner}/${repo.repo}`) ? { issueNumber: epic.issue } : null;
      }),
  };
  const merges: MergeRecorder = { beadMerged: (repo, beadId, branch, pr, token) => towns.use(repo, token, (t) => recordMerge(o, t, beadId, branch, pr)) };
  const lifecycle = createGithubLifecycle({ towns, log: o.log, env: o.env, ledgerFile: o.env?.GTH_LEDGER ?? null });
  return { planner, convoys, merges, lifecycle };
}

/** review -> done on the convoy branch; a push rejected because a runner pushed meanwhile is redone on the new tip. */
async function recordMerge(o: GithubEngineOptions, t: TownCheckout, beadId: string, branch: string, pr: number): Promise<boolean> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    await t.git(['fetch', '-q', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
    await t.resetTo(`origin/${branch}`);
    const store = new BeadStore({ dir: join(t.dir, 'beads'), actor: 'gastown-app', commit: true, env: o.env });
    if ((await store.get(beadId)).status !== 'review') return false;
    await store.update(beadId, () => ({ to: 'done', note: `PR #${pr} merged into ${branch}` }));
    if ((await t.tryGit(['push', '-q', 'origin', `HEAD:refs/heads/${branch}`])) !== null) {
      o.log.info({ bead: beadId, pr, branch }, 'bead done: its PR was merged');
      return true;
    }
  }
  throw new GthError(`could not record the merge of PR #${pr} on ${branch}: the push was rejected 5 times`);
}

// ---- Mayor ----

/**
 * Plans on a clean checkout of the default branch: the plan, beads and convoy land in one commit that is pushed
 * as the new convoy branch. Anything that fails before the push leaves the remote untouched, and the clone is
 * reset either way, so a retry starts clean.
 */
async function planOnClone(o: GithubEngineOptions, t: TownCheckout, req: EpicRequest): Promise<ConvoyProgress> {
  const base = `origin/${t.defaultBranch}`;
  await t.resetTo(base);
  const key = epicKeyOf(req.repo, req.issueNumber);
  const existing = await findConvoy(t, o.log, (c) => c.epicKey === key);
  if (existing) {
    const { finished: _finished, ...progress } = progressOf(existing.convoy, existing.beads);
    return progress;
  }
  const brief = o.brief ?? briefText;
  try {
    const rig = loadRigConfig(t.dir);
    const router = o.router();
    const store = new BeadStore({ dir: join(t.dir, 'beads'), actor: 'mayor', env: o.env });
    const epicText = `${req.title}\n\n${req.body}`;
    // The one Crew + Mayor planning flow, as `gth run-epic` runs it.
    const out = await planWithCrew({
      router,
      store,
      epic: { title: req.title.slice(0, 120) || `Epic #${req.issueNumber}`, body: epicText, key, issue: { repo: `${req.repo.owner}/${req.repo.repo}`, issue: req.issueNumber } },
      rigs: [rig],
      brief,
      commit: true,
      source: `issue #${req.issueNumber}`,
      question: `What in this rig relates to epic #${req.issueNumber}?`,
    });
    const branch = out.convoy.branch ?? `convoy/${out.convoy.id}`;
    await t.git(['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]);
    o.log.info({ epic: key, convoy: out.convoy.id, beads: out.beads.length }, 'convoy branch pushed');
    const { finished: _finished, ...progress } = progressOf(out.convoy, out.beads);
    return progress;
  } finally {
    await t.resetTo(base).catch((err: unknown) => o.log.warn({ err }, 'could not reset the town clone'));
  }
}

// ---- Refinery review ----

export interface ReviewDeps {
  router: ModelRouter;
  brief?: BriefFn;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reviews the checkout in `dir` against `base`: the rig's tests run for real, then the Refinery gives its verdict.
 * `rig` is the trusted config (read from the base branch by the caller), never the one in the checkout under review,
 * so a change cannot swap the test command that judges it.
 */
export async function reviewCheckout(d: ReviewDeps, bead: Bead, dir: string, base: string, trusted: LoadedRig): Promise<{ review: RefineryReview; diff: string }> {
  const rig: LoadedRig = { ...trusted, root: dir };
  const git = rigGit(dir);
  const diff = await git.diff(dir, base);
  const env = d.env ?? process.env;
  const tests = await runRigTests(dir, rig.config, { env });
  const ctx: EngineContext = {
    store: new BeadStore({ dir: join(dir, 'beads'), actor: 'refinery', env }),
    rig,
    git,
    router: d.router,
    brief: d.brief ?? briefText,
    worktrees: dir,
    attemptsPerModel: 1,
    contextBudget: () => 12_000,
    convoyId: bead.convoy ?? bead.id,
    convoyBranch: base,
    log: d.log,
    emit: () => undefined,
    testEnv: env,
  };
  return { review: await reviewChange(ctx, { bead, diff, tests, worktree: dir }), diff };
}

/** The bead a PR works on (from its branch name, newest state on the base branch), or a stand-in for a person's PR. */
export async function beadForPullRequest(
  show: (rev: string, path: string) => Promise<string | null>,
  pr: { number: number; headRef: string; base: string; head: string },
  changedFiles: string[],
): Promise<Bead> {
  const id = beadIdFromBranch(pr.headRef);
  if (id) {
    for (const rev of [pr.base, pr.head]) {
      const text = await show(rev, `beads/${id}.json`);
      if (text !== null) return parseBeadText(text, `${rev}:beads/${id}.json`);
    }
  }
  const now = new Date().toISOString();
  return Bead.parse({
    id: `pr-${pr.number}`,
    title: `Pull request #${pr.number}`,
    description: 'A pull request without a bead: review it against the rig conventions and its tests.',
    files: changedFiles,
    createdAt: now,
    updatedAt: now,
  });
}

// ---- models ----

// One model wiring for every driver: the app uses run-epic's and the runner's.
export { engineModelsFromConfig, type EngineModels } from '../agents/engine/models.js';

/** A router built on first use; a failed build (bad config) is retried next time instead of remembered. */
export function lazyRouter(build: () => Promise<ModelRouter>): () => ModelRouter {
  let router: Promise<ModelRouter> | null = null;
  const get = (): Promise<ModelRouter> => {
    router ??= build().catch((err: unknown) => {
      router = null;
      throw err;
    });
    return router;
  };
  return () => ({ choose: async (role, step, bead) => (await get()).choose(role, step, bead) });
}
