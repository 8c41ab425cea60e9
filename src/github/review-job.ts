// The review job on the runner (`gth job refinery-review --pr N`): the PR head in a throwaway worktree, judged by the base branch's rig.yml and tests.
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { GthError, UsageError } from '../util/errors.js';
import { createLogger } from '../util/logger.js';
import { briefText } from '../agents/briefs/load.js';
import { loadRigConfigAtRef, type LoadedRig } from '../agents/rig/load.js';
import { beadForPullRequest, engineModelsFromConfig, reviewCheckout, type BriefFn, type EngineModels } from './engine.js';
import { gitRunner, type GitRunner } from './git.js';
import { jobGitHubFromEnv, type JobGitHub } from './job-github.js';
import type { JobResult, ReviewJobRequest, ReviewJobRunner } from './jobs.js';
import { toPullRequestReview } from './review-map.js';
import { jobToken, remoteAuth } from './job-auth.js';

export interface ReviewJobDeps {
  models?: (env: NodeJS.ProcessEnv, cwd: string, log: Logger) => Promise<EngineModels>;
  github?: (env: NodeJS.ProcessEnv) => JobGitHub | null;
  log?: Logger;
  brief?: BriefFn;
}

export function createReviewJobRunner(deps: ReviewJobDeps = {}): ReviewJobRunner {
  return { review: (req, env) => runReviewJob(deps, req, env) };
}

/** rig.yml as committed at `ref` (the PR's base): the test command that judges a change never comes from the change. */
export function rigConfigAt(git: GitRunner, dir: string, ref: string): Promise<LoadedRig> {
  return loadRigConfigAtRef((rev, path) => git.tryRun(['show', `${rev}:${path}`]), ref, dir);
}

export async function runReviewJob(deps: ReviewJobDeps, req: ReviewJobRequest, env: NodeJS.ProcessEnv): Promise<JobResult> {
  const log = deps.log ?? createLogger(env, 'gth-job');
  const cwd = resolve(req.cwd);
  const github = (deps.github ?? jobGitHubFromEnv)(env);
  if (!github) throw new UsageError('gth job refinery-review needs GTH_GITHUB_TOKEN (or GITHUB_TOKEN) and GITHUB_REPOSITORY to read and review the pull request');
  const local = gitRunner({ cwd, env, label: `${github.repo.owner}/${github.repo.repo}` });
  if ((await local.tryRun(['rev-parse', '--is-inside-work-tree'])) !== 'true') throw new UsageError(`gth job must run in a checkout of the repository (${cwd} is not a git work tree)`);
  const pr = await github.pullRequest(req.pr);
  if (pr.isFork) return { ok: false, summary: `PR #${req.pr} comes from a fork: it is never reviewed on the self-hosted runner` };

  // http(s) remotes get the installation token as a header in git's environment (never in .git/config or argv).
  const git = gitRunner({ cwd, env: { ...env, ...(await remoteAuth(local, jobToken(env))) }, label: `${github.repo.owner}/${github.repo.repo}` });
  const base = `refs/remotes/origin/${pr.baseRef}`;
  const headRef = `refs/remotes/origin/gth-review/pr${req.pr}`;
  // refs/pull/N/head exists on GitHub even after the branch is deleted; a plain remote (tests, mirrors) has the branch only.
  if ((await git.tryRun(['fetch', '-q', 'origin', `+refs/heads/${pr.baseRef}:${base}`, `+refs/pull/${req.pr}/head:${headRef}`])) === null) {
    await git.run(['fetch', '-q', 'origin', `+refs/heads/${pr.baseRef}:${base}`, `+refs/heads/${pr.headRef}:${headRef}`]);
  }
  // Review the commit GitHub named when it is there (the review is anchored on it); otherwise what was fetched.
  const head = (await git.tryRun(['cat-file', '-e', `${pr.headSha}^{commit}`])) !== null ? pr.headSha : await git.run(['rev-parse', headRef]);
  const rig = await rigConfigAt(git, cwd, base);

  const wt = join(env.RUNNER_TEMP || tmpdir(), 'gth-review', `pr${req.pr}-${process.pid}`);
  await rm(wt, { recursive: true, force: true });
  await mkdir(join(wt, '..'), { recursive: true });
  await git.run(['worktree', 'add', '-q', '--force', '--detach', wt, head]);
  try {
    const changed = (await git.run(['diff', '--name-only', `${base}...${head}`])).split('\n').filter(Boolean);
    const bead = await beadForPullRequest((rev, path) => git.tryRun(['show', `${rev}:${path}`]), { number: req.pr, headRef: pr.headRef, base, head }, changed);
    if (req.beadId && bead.id !== req.beadId) {
      throw new GthError(`--bead ${req.beadId}: PR #${req.pr} (branch ${pr.headRef}) works on ${bead.id.startsWith('pr-') ? 'no bead' : `bead ${bead.id}`}`);
    }
    const models = await (deps.models ?? engineModelsFromConfig)(env, cwd, log);
    const { review, diff } = await reviewCheckout({ router: models.router, brief: deps.brief ?? briefText, log, env }, bead, wt, base, rig);
    await github.createReview(req.pr, head, toPullRequestReview(review, diff));
    log.info({ pr: req.pr, bead: bead.id, verdict: review.verdict }, 'refinery review posted');
    return { ok: true, summary: `${review.verdict}: ${review.summary} (review posted on PR #${req.pr})` };
  } finally {
    await git.tryRun(['worktree', 'remove', '--force', wt]);
    await rm(wt, { recursive: true, force: true });
    await git.tryRun(['worktree', 'prune']);
  }
}
