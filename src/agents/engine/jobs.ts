// The runner jobs behind `gth job <kind> --bead <id>`: tests first, Polecat and Librarian, on the workflow's checkout (the review job: src/github/review-job.ts).
import { basename, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import type { Bead } from '../../beads/schema.js';
import { BeadStore } from '../../beads/store.js';
import { claimBead } from '../../beads/claim.js';
import { GthError, UsageError } from '../../util/errors.js';
import { attemptKey, DEFAULT_POLICY, TESTS_WRITTEN, lifeConvoyOf, type JobKind } from '../../lifecycle/machine.js';
import { applyBeadEvent, formatRefusal } from '../../lifecycle/persist.js';
import { runBeadJob } from './bead-jobs.js';
import { createLogger } from '../../util/logger.js';
import { briefText } from '../briefs/load.js';
import { loadRigConfig } from '../rig/load.js';
import { engineModelsFromConfig, type EngineModels } from './models.js';
import { rigGit } from './rig-git.js';
import type { BriefFn, EngineContext } from './types.js';

/** What `gth job` hands the runner (validated by src/github/jobs.ts, whose JobRequest has this shape). */
export interface BeadJobRequest {
  kind: 'refinery-tests' | 'polecat' | 'librarian' | 'refinery-review';
  beadId: string;
  pr: number | null;
  convoy: string | null;
  cwd: string;
  /** The lifecycle attempt the run was dispatched for (machine.ts: attemptKey); absent when none was named. */
  attempt?: string;
}

export interface BeadJobResult {
  ok: boolean;
  summary: string;
}

/** Opens the PR of a pushed bead branch, or returns the open one; GitHub's: src/github/job-github.ts (this module knows no GitHub). */
export interface PullRequestOpener {
  openPullRequest(p: { head: string; base: string; title: string; body: string }): Promise<{ number: number; url: string; created: boolean }>;
}

export interface EngineJobDeps {
  /** Models for the job; default: the fleet planner's LiveRouter and context budgets (gastown.yml + the runtime's running servers + Gemini). */
  models?: (env: NodeJS.ProcessEnv, cwd: string, log: Logger) => Promise<EngineModels>;
  /** Where the PR of a pushed branch is opened (the CLI plugs GitHub in); without it the summary says to open it by hand. */
  pullRequests?: (env: NodeJS.ProcessEnv) => PullRequestOpener | null;
  log?: Logger;
  brief?: BriefFn;
}

export function createEngineJobRunner(deps: EngineJobDeps = {}): { run(req: BeadJobRequest, env: NodeJS.ProcessEnv): Promise<BeadJobResult> } {
  return { run: (req, env) => runJob(deps, req, env) };
}

interface JobScope {
  req: BeadJobRequest;
  env: NodeJS.ProcessEnv;
  log: Logger;
  store: BeadStore;
  bead: Bead;
  ctx: EngineContext;
  github: PullRequestOpener | null;
}

async function runJob(deps: EngineJobDeps, req: BeadJobRequest, env: NodeJS.ProcessEnv): Promise<BeadJobResult> {
  const log = deps.log ?? createLogger(env, 'gth-job');
  const cwd = resolve(req.cwd);
  const git = rigGit(cwd);
  if (!(await git.isRepo())) throw new UsageError(`gth job must run in a checkout of the repository (${cwd} is not a git work tree)`);
  // Actions checkouts have no commit identity; the bead commits need one.
  await git.configDefault('user.name', 'gastown-hybrid[bot]');
  await git.configDefault('user.email', 'gastown-hybrid[bot]@users.noreply.github.com');
  const agent = `${req.kind}-${req.beadId}`;
  const store = new BeadStore({ dir: join(cwd, 'beads'), actor: agent, commit: true, env });
  const bead = await store.get(req.beadId);
  // A run of an earlier attempt (re-run from the Actions page, or started after the bead moved on) works on nothing:
  // the current attempt has its own run. Its end is then refused by the app as not the current attempt's.
  const life = bead.lifecycle;
  if (req.attempt && life && (life.job !== req.kind || attemptKey(life) !== req.attempt)) {
    const now = life.job ? `attempt ${attemptKey(life)} of its ${life.job} job` : `no job running (${bead.status}, step ${life.step})`;
    return { ok: true, summary: `nothing to do: this run is attempt ${req.attempt} of the ${req.kind} job, and bead ${bead.id} is at ${now}` };
  }
  const convoyId = bead.convoy ?? req.convoy;
  if (req.convoy && bead.convoy && req.convoy !== bead.convoy) throw new UsageError(`--convoy ${req.convoy}: bead ${bead.id} belongs to convoy ${bead.convoy}`);
  if (!convoyId) throw new GthError(`bead ${bead.id} belongs to no convoy: runner jobs work on convoy beads`);
  const convoyBranch = (await store.getConvoy(convoyId).catch(() => null))?.branch ?? `convoy/${convoyId}`;
  if (req.kind !== 'refinery-review') {
    const current = await store.git.currentBranch();
    if (current !== convoyBranch) throw new GthError(`gth job ${req.kind} runs on a checkout of ${convoyBranch}, but ${cwd} is on ${current}`);
  }
  const rig = loadRigConfig(cwd);
  const models = await (deps.models ?? engineModelsFromConfig)(env, cwd, log);
  const budgetOverride = positiveInt(env.GTH_CONTEXT_BUDGET, 0);
  const ctx: EngineContext = {
    store,
    rig,
    git,
    router: models.router,
    brief: deps.brief ?? briefText,
    worktrees: env.GTH_WORKTREES || join(env.RUNNER_TEMP || tmpdir(), 'gth-worktrees', basename(cwd)),
    attemptsPerModel: positiveInt(env.GTH_ATTEMPTS, 3),
    contextBudget: budgetOverride > 0 ? budgetOverride : models.contextBudget,
    convoyId,
    convoyBranch,
    log,
    emit: (e) => log.info({ engine: e }, e.kind === 'phase' ? e.phase : `${e.kind} ${'beadId' in e ? (e.beadId ?? '') : ''}`),
    testEnv: env,
  };
  const scope: JobScope = { req, env, log, store, bead, ctx, github: deps.pullRequests?.(env) ?? null };
  switch (req.kind) {
    case 'refinery-tests':
      return bead.role === 'refinery' ? engineJob(scope, 'refinery-tests') : testsFirstJob(scope);
    case 'polecat':
      return polecatJob(scope);
    case 'librarian':
      return engineJob(scope, 'librarian');
    case 'refinery-review':
      // Reviews run from the default branch on a PR head, not on a convoy checkout: src/github/review-job.ts.
      throw new UsageError('gth job refinery-review is run by the review job runner (src/github/review-job.ts), not the bead job runner');
  }
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * The bead this job works on. The app starts a bead's step before it dispatches the job (in_progress, lifecycle.job
 * naming this job, dispatched once per attempt), so the job finds it held for itself; a bead claimed by hand is kept;
 * an open one (jobsClaim drivers) is claimed here, pushed, so two runners never both get it.
 */
async function holdBead(s: JobScope): Promise<Bead> {
  const b = await s.store.get(s.bead.id);
  if (b.status === 'in_progress' && (b.assignee || b.lifecycle?.job === s.req.kind)) {
    s.log.info({ bead: b.id, holder: b.assignee?.agent ?? `lifecycle (${s.req.kind} due)` }, 'bead already held for this job');
    return b;
  }
  if (b.status !== 'open') throw new GthError(`bead ${b.id} is ${b.status}: gth job ${s.req.kind} needs it open (or claimed by this workflow)`);
  return claimBead(s.store, b.id, { assignee: { agent: `${s.req.kind}-${b.id}`, model: null }, push: true, branch: s.ctx.convoyBranch, log: s.log });
}

/** Pushes the bead commits made here; another runner may have pushed meanwhile, so rebase and retry. */
async function publish(s: JobScope): Promise<void> {
  const branch = s.ctx.convoyBranch;
  for (let attempt = 1; attempt <= 6; attempt++) {
    await s.store.git.pullRebase('origin', branch);
    if ((await s.store.git.push('origin', branch)) === 'ok') return;
    await new Promise((r) => setTimeout(r, 50 * attempt));
  }
  throw new GthError(`could not push the bead changes to origin/${branch}: the push was rejected 6 times`);
}

/**
 * One job through the lifecycle engine: the role runs here, on the workflow's checkout; its result is a machine
 * event persisted on the convoy branch (a next step is started, in progress, for the app to dispatch once per attempt);
 * the PR a pushed branch needs is opened here with the installation token.
 */
async function engineJob(s: JobScope, job: JobKind): Promise<BeadJobResult> {
  const agent = `${s.req.kind}-${s.bead.id}`;
  const held = await holdBead(s);
  const cwd = resolve(s.req.cwd);
  const event = await runBeadJob(s.ctx, job, held, held.lifecycle?.feedback ?? null, { worktree: cwd, checkout: false });
  if (event.type === 'testsWritten') await s.store.git.commitPaths(event.files, `${s.bead.id}: tests first (refinery)`);
  if (event.type === 'jobFailed') {
    // The job exits non-zero and the app gets the run's failure as its workflow_run conclusion: that one event counts
    // the try, dispatches the retry once and posts the escalation on the epic. Recording it here too would count the
    // try twice, and a bead failed here would never be escalated (the app refuses a failure for a failed bead).
    await publish(s);
    return { ok: false, summary: `${job} ${event.outcome.replace('_', ' ')}: ${event.reason}` };
  }
  const stopped = lifeConvoyOf(await s.store.getConvoy(s.ctx.convoyId)).life.status === 'stopped';
  // Not jobsClaim: the app starts a bead's next step itself (in_progress) and dispatches only such beads, so a next job
  // left open here would never be dispatched.
  const applied = await applyBeadEvent(s.store, s.bead.id, event, { policy: DEFAULT_POLICY, stopped, by: agent });
  if (!applied.ok) {
    await publish(s);
    return { ok: false, summary: formatRefusal(applied.refusal) };
  }
  let summary = applied.note;
  for (const e of applied.effects) {
    if (e.type === 'openPr') summary = await openPr(s, e.branch, applied.note);
    if (e.type === 'escalate') summary = `bead ${e.beadId} failed after ${e.attempts} attempt(s): ${e.why}`;
  }
  await publish(s);
  const ok = !(event.type === 'checked' && !event.ok);
  return { ok, summary: event.type === 'testsWritten' ? `tests for ${s.bead.id} on ${s.ctx.convoyBranch}: ${event.files.join(', ')}` : summary };
}

/** The PR from the pushed branch into the convoy branch (opened with the installation token so its workflows run). */
async function openPr(s: JobScope, branch: string, note: string): Promise<string> {
  if (!s.github) {
    return `${note}; branch ${branch} pushed. No GitHub token here (GTH_GITHUB_TOKEN or GITHUB_TOKEN, with GITHUB_REPOSITORY): open the PR from ${branch} into ${s.ctx.convoyBranch} by hand`;
  }
  const pr = await s.github.openPullRequest({
    head: branch,
    base: s.ctx.convoyBranch,
    title: `${s.bead.id}: ${s.bead.title}`.slice(0, 250),
    body: [`Bead \`${s.bead.id}\` of convoy \`${s.ctx.convoyId}\`.`, '', note, '', 'Opened by the gastown-hybrid runner job; the Refinery reviews it next.'].join('\n'),
  });
  await applyBeadEvent(s.store, s.bead.id, { type: 'prOpened', pr: pr.number }, { policy: DEFAULT_POLICY, stopped: false });
  return `${note}; PR #${pr.number} ${pr.created ? 'opened' : 'already open'}: ${pr.url}`;
}

/** Tests first for a Polecat bead, committed on the convoy branch; the bead goes back to open with the Polecat due. */
async function testsFirstJob(s: JobScope): Promise<BeadJobResult> {
  if (s.bead.role !== 'polecat') return { ok: false, summary: `bead ${s.bead.id} is a ${s.bead.role ?? 'role-less'} bead: refinery-tests writes tests for polecat beads` };
  if (s.bead.labels.includes(TESTS_WRITTEN)) return { ok: true, summary: `bead ${s.bead.id} already has its tests on ${s.ctx.convoyBranch}` };
  return engineJob(s, 'refinery-tests');
}

async function polecatJob(s: JobScope): Promise<BeadJobResult> {
  if (!s.bead.labels.includes(TESTS_WRITTEN)) {
    return { ok: false, summary: `bead ${s.bead.id} has no tests yet: the refinery-tests job runs before the Polecat` };
  }
  return engineJob(s, 'polecat');
}
