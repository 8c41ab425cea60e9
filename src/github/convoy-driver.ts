// The GitHub side of the lifecycle: a webhook's event applied to the convoy's bead files on its branch (in the app's
// clone), effects done on GitHub, the branch pushed, then the job each bead is waiting for dispatched exactly once.
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Bead, Convoy } from '../beads/schema.js';
import { BeadStore } from '../beads/store.js';
import { convoyCost } from '../cost/ledger.js';
import { ConvoyDriver } from '../lifecycle/drive.js';
import type { LifecycleEffects } from '../lifecycle/effects.js';
import { attemptKey, DEFAULT_POLICY, type BeadEvent, type ConvoyEvent, type LifecyclePolicy, type Refusal } from '../lifecycle/machine.js';
import { findConvoy } from './convoy-branches.js';
import { GthError } from '../util/errors.js';
import type { GitHubApi } from './api.js';
import { renderConvoyPrBody } from './convoy-pr.js';
import { dispatchReview, WORKFLOW_FILE, type JobKind } from './dispatch.js';
import type { RepoRef } from './events.js';
import type { OnceStore } from './once-store.js';
import { neutralize, shortError } from './public-text.js';
import type { TokenSource, TownCheckout, TownRepos } from './town-repo.js';

export interface DriveContext {
  api: GitHubApi;
  repo: RepoRef;
  defaultBranch: string;
  /** One file per dispatched attempt: a redelivered webhook or a restart never dispatches the same attempt twice. */
  dispatched: OnceStore;
  /** One file per comment posted for (epic, event, text): the same event applied again never posts it twice. */
  posted?: OnceStore;
  /** What this drive is for (a webhook's delivery id, a retry's due time); a fresh id per call when not given. */
  eventKey?: string;
  token?: TokenSource;
}

/** Which convoy: the one on a branch, the one holding a bead, or the one planned for an epic issue. */
export type DriveTarget = { branch: string } | { beadId: string } | { epicIssue: number };
export type DriveInput = { bead: { id: string; event: BeadEvent } } | { convoy: ConvoyEvent } | null;

export interface DriveResult {
  convoy: Convoy;
  beads: Bead[];
  refusals: Refusal[];
  /** Jobs dispatched by this call ("<bead>/<job>"). */
  dispatched: string[];
  /** Beads waiting for a retry's back-off, with when it ends: the caller drives again then. */
  retryAt: { beadId: string; at: string }[];
}

export interface ConvoyLifecycle {
  drive(ctx: DriveContext, target: DriveTarget, input: DriveInput): Promise<DriveResult | null>;
}

export interface GithubLifecycleOptions {
  towns: TownRepos;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  policy?: LifecyclePolicy;
  /** The cost ledger the convoy PR's cost line is read from (null: none on this host). */
  ledgerFile?: string | null;
}

export function createGithubLifecycle(o: GithubLifecycleOptions): ConvoyLifecycle {
  return {
    drive: (ctx, target, input) => o.towns.use(ctx.repo, ctx.token, (t) => driveOnClone(o, t, ctx, target, input)),
  };
}

function matcher(target: DriveTarget): (c: Convoy) => boolean {
  if ('branch' in target) return (c) => (c.branch ?? `convoy/${c.id}`) === target.branch;
  if ('beadId' in target) return (c) => c.beads.includes(target.beadId);
  return (c) => c.epic?.issue === target.epicIssue;
}

async function driveOnClone(o: GithubLifecycleOptions, t: TownCheckout, ctx: DriveContext, target: DriveTarget, input: DriveInput): Promise<DriveResult | null> {
  const found = await findConvoy(t, o.log, matcher(target));
  if (!found) return null;
  const branch = found.convoy.branch ?? `convoy/${found.convoy.id}`;
  const eventKey = ctx.eventKey ?? randomUUID();
  for (let attempt = 1; attempt <= 5; attempt++) {
    await t.git(['fetch', '-q', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
    await t.resetTo(`origin/${branch}`);
    const store = new BeadStore({ dir: join(t.dir, 'beads'), actor: 'gastown-app', commit: true, env: o.env });
    // What the epic is told waits for the push: a rejected attempt's comments describe a state that never landed.
    const posts: Post[] = [];
    const driver = new ConvoyDriver({ store, convoyId: found.convoy.id, effects: githubEffects(o, t, ctx, branch, posts), log: o.log as Logger, policy: o.policy ?? DEFAULT_POLICY, by: 'gastown-app' });
    if (input && 'bead' in input) await driver.feed(input.bead.id, input.bead.event);
    else if (input) await driver.feedConvoy(input.convoy);
    await driver.settle();
    // A runner pushed meanwhile: redo the event on the new tip (the machine re-reads every bead).
    if ((await t.tryGit(['push', '-q', 'origin', `HEAD:refs/heads/${branch}`])) === null) continue;
    for (const p of posts) await postOnce(ctx, eventKey, p);
    const convoy = await driver.convoy();
    const beads = await driver.beads();
    const { sent, waiting } = await dispatchCurrentJobs(ctx, convoy, branch, beads, o.log);
    return { convoy, beads, refusals: driver.refusals, dispatched: sent, retryAt: waiting };
  }
  throw new GthError(`could not push the lifecycle of convoy ${found.convoy.id} to ${branch}: the push was rejected 5 times`);
}

/**
 * Every bead whose step has a runner job gets that job dispatched once per attempt (bead, job, revision, try), after
 * the branch is pushed so the runner sees the new state. Restart-safe: a dispatched attempt is on disk.
 */
export async function dispatchCurrentJobs(ctx: DriveContext, convoy: Convoy, branch: string, beads: Bead[], log: Pick<Logger, 'info' | 'warn'>, now = new Date()) {
  const sent: string[] = [];
  const waiting: { beadId: string; at: string }[] = [];
  for (const b of beads) {
    const life = b.lifecycle;
    if (!life?.job || (b.status !== 'in_progress' && b.status !== 'review')) continue;
    if (life.retryAt && Date.parse(life.retryAt) > now.getTime()) {
      waiting.push({ beadId: b.id, at: life.retryAt });
      continue;
    }
    const attempt = attemptKey(life);
    if (life.job === 'refinery-review') {
      if (!b.pr) {
        log.warn({ bead: b.id }, 'review step without a PR: nothing to dispatch until the PR is known');
        continue;
      }
      if (await dispatchReview(ctx.api, ctx.dispatched, ctx.repo, ctx.defaultBranch, { prNumber: b.pr, headRef: b.branch ?? `polecat/${b.id}`, key: attempt, attempt })) sent.push(`${b.id}/${life.job}`);
      continue;
    }
    if (!(life.job in WORKFLOW_FILE)) continue;
    const job = life.job as JobKind;
    const key = `${ctx.repo.owner}/${ctx.repo.repo}/${b.id}/${job}/${attempt}`;
    if (!(await ctx.dispatched.claim(key))) continue;
    try {
      // The attempt goes into the run's name, so its end is matched to this attempt (machine.ts: attemptKey).
      await ctx.api.dispatchWorkflow(ctx.repo, WORKFLOW_FILE[job], branch, { bead: b.id, convoy: convoy.id, attempt });
    } catch (err) {
      await ctx.dispatched.release(key);
      throw new GthError(`dispatching ${WORKFLOW_FILE[job]} for bead ${b.id} failed`, { cause: err });
    }
    sent.push(`${b.id}/${job}`);
  }
  if (sent.length) log.info({ convoy: convoy.id, dispatched: sent }, 'jobs dispatched');
  return { sent, waiting };
}

/** A comment for the epic issue (and, for the last one, the issue closed), posted once the attempt's push landed. */
interface Post {
  issue: number;
  text: string;
  close?: boolean;
}

/** Posts once per (repository, epic, event, text): the same event applied again (a redone push, a redelivery) stays silent. */
async function postOnce(ctx: DriveContext, eventKey: string, p: Post): Promise<void> {
  const key = `${ctx.repo.owner}/${ctx.repo.repo}#${p.issue}/${eventKey}/${createHash('sha256').update(p.text).digest('hex').slice(0, 16)}`;
  if (ctx.posted && !(await ctx.posted.claim(key))) return;
  try {
    await ctx.api.comment(ctx.repo, p.issue, p.text);
  } catch (err) {
    await ctx.posted?.release(key);
    throw err;
  }
  if (p.close) await ctx.api.closeIssue(ctx.repo, p.issue);
}

/**
 * The lifecycle's effects on GitHub. Jobs start after the push (dispatchCurrentJobs), so `start` only records;
 * comments go to `posts`, sent after the push.
 */
function githubEffects(o: GithubLifecycleOptions, t: TownCheckout, ctx: DriveContext, branch: string, posts: Post[]): LifecycleEffects {
  const epicComment = async (convoy: Convoy, text: string, close = false) => {
    if (convoy.epic) posts.push({ issue: convoy.epic.issue, text, close });
    else o.log.info({ convoy: convoy.id }, text);
  };
  return {
    jobs: { start: async () => [] },
    delivery: {
      async openBeadPr(bead, head) {
        const pr = await ctx.api.openPullRequest(ctx.repo, {
          head, base: branch, title: `${bead.id}: ${bead.title}`.slice(0, 250),
          body: `Bead \`${bead.id}\` of convoy \`${bead.convoy ?? ''}\`. The Refinery reviews it next.`,
        });
        return { pr: pr.number };
      },
      // Bead PRs are merged by a person (or their merge queue); the pull_request closed webhook brings the result.
      mergeBead: async () => 'pending',
      async deliverConvoy(convoy, beads) {
        const plan = await t.tryGit(['show', `HEAD:plans/${convoy.id}.md`]);
        const cost = o.ledgerFile ? await convoyCost(o.ledgerFile, convoy.id).catch(() => null) : null;
        const testDirs = ['test', 'tests'];
        const pr = await ctx.api.openPullRequest(ctx.repo, {
          head: branch, base: ctx.defaultBranch, title: `Convoy ${convoy.id}: ${convoy.title}`.slice(0, 250),
          body: renderConvoyPrBody(convoy, beads, plan, cost, testDirs),
        });
        await epicComment(convoy, `Every bead of convoy \`${convoy.id}\` is done: delivery PR #${pr.number} into \`${ctx.defaultBranch}\`. This issue closes when it merges.`);
        return { pr: pr.number };
      },
      async closeEpic(convoy) {
        await epicComment(convoy, `Convoy \`${convoy.id}\` is merged into \`${ctx.defaultBranch}\`. Closing this epic.`, true);
      },
    },
    notifier: {
      comment: (convoy, text) => epicComment(convoy, neutralize(text)),
      escalate: (convoy, bead, attempts, why) =>
        epicComment(convoy, `**Escalation:** bead \`${bead.id}\` (${neutralize(bead.title)}) failed after ${attempts} attempt(s): ${neutralize(shortError(why, 400))}`),
    },
  };
}
