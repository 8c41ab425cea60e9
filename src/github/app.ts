// The Probot application: dedupes deliveries, parses each webhook once, and routes it to the epic, review or dispatch flows.
import { join } from 'node:path';
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { Logger } from 'pino';
import { createGitHubApi, type GitHubApi } from './api.js';
import { beadIdFromBranch, dispatchReview, isBeadWorkflowPath } from './dispatch.js';
import { admitActor, runEpic, scheduleEpic, type EpicDeps } from './epic-flow.js';
import { parseWebhook, type GithubEvent, type RepoRef } from './events.js';
import { type DriveInput, type DriveTarget } from './convoy-driver.js';
import { progressOf } from './convoy-progress.js';
import { fromClosedPr, fromReview, fromWorkflowRun, verdictEvent } from './lifecycle-events.js';
import type { BeadEvent } from '../lifecycle/machine.js';
import { renderProgressComment } from './progress-comment.js';
import { OnceStore } from './once-store.js';
import type { Engine } from './ports.js';
import { recoverEpics, type RecoveryReport } from './recovery.js';
import { handleReviewCommand } from './review-flow.js';
import { WorkQueue } from './work-queue.js';

export interface GithubAppOptions {
  engine: Engine;
  stateDir: string;
  epicLabel?: string;
  log: Logger;
  /** How long delivery ids are remembered (GitHub allows redelivery of recent deliveries). */
  dedupeDays?: number;
}

export interface GithubApp {
  appFn: ApplicationFunction;
  queue: WorkQueue;
  /** What the last deliveries turned into, newest last (for logs and tests). */
  handled: { delivery: string; event: GithubEvent['kind']; outcome: string }[];
  /** Scans every installation for unfinished epics; call once the server is listening. */
  recover(): Promise<RecoveryReport[]>;
}

export function createGithubApp(opts: GithubAppOptions): GithubApp {
  const epicLabel = opts.epicLabel ?? 'epic';
  const log = opts.log;
  const queue = new WorkQueue(log);
  const deliveries = new OnceStore(join(opts.stateDir, 'deliveries'));
  const dispatched = new OnceStore(join(opts.stateDir, 'dispatched'));
  const failedEpics = new OnceStore(join(opts.stateDir, 'failed-epics'));
  /** One file per comment posted for an (epic, event): a push redone after a rejection never posts it twice. */
  const posted = new OnceStore(join(opts.stateDir, 'posted'));
  const epicDeps: EpicDeps = { engine: opts.engine, dispatched, posted, failedEpics, queue, log, inFlight: new Set() };
  const handled: GithubApp['handled'] = [];
  let probot: Probot | null = null;
  let login: Promise<string> | null = null;
  /** This app's own bot login, `<slug>[bot]` from GET /app, asked once (a failure is asked again next time). */
  const botLogin = (): Promise<string> => {
    const app = probot;
    if (!app) return Promise.reject(new Error('the app is not loaded yet'));
    login ??= app
      .auth()
      .then(async (o) => `${(await o.rest.apps.getAuthenticated()).data?.slug ?? ''}[bot]`)
      .then((l) => (l === '[bot]' ? Promise.reject(new Error('GET /app returned no slug')) : l))
      .catch((err: unknown) => {
        login = null;
        throw err;
      });
    return login;
  };

  /**
   * Queues one lifecycle step on the epic lane (one convoy push at a time): the event applied on the convoy branch,
   * effects done, jobs dispatched, the progress comment refreshed; a retry's back-off brings it back later.
   */
  function drive(
    api: GitHubApi,
    ev: { repo: RepoRef; defaultBranch: string },
    target: DriveTarget,
    input: DriveInput | (() => Promise<DriveInput>),
    what: string,
    eventKey: string,
  ): void {
    const lifecycle = opts.engine.lifecycle!;
    queue.push(what, async () => {
      const ctx = { api, repo: ev.repo, defaultBranch: ev.defaultBranch, dispatched, posted, eventKey, token: () => api.installationToken() };
      // Read at its turn in the lane, after every earlier event of the epic was applied.
      const r = await lifecycle.drive(ctx, target, typeof input === 'function' ? await input() : input);
      if (!r) {
        log.warn({ target }, `${what}: no convoy found`);
        return;
      }
      if (r.convoy.epic) {
        const { finished: _f, ...progress } = progressOf(r.convoy, r.beads);
        await api.upsertProgressComment(ev.repo, r.convoy.epic.issue, renderProgressComment(progress));
      }
      for (const w of r.retryAt) {
        const wait = Math.max(0, Date.parse(w.at) - Date.now());
        // The timer does not hold the process open; after a restart, recovery dispatches what is due.
        setTimeout(() => drive(api, ev, { beadId: w.beadId }, null, `retry ${w.beadId}`, `retry ${w.beadId} ${w.at}`), wait).unref();
      }
    }, 'epic');
  }

  /** `delivery`: the webhook's delivery id, naming the event for the comments it leads to. */
  async function route(ev: GithubEvent, api: GitHubApi, delivery: string): Promise<string> {
    const lifecycle = opts.engine.lifecycle;
    switch (ev.kind) {
      case 'ignored':
        return ev.reason;
      case 'epic-labeled': {
        const admitted = await admitActor(api, ev.repo, ev.sender);
        if (!admitted.ok) return `refused: ${admitted.reason}`;
        await scheduleEpic(epicDeps, api, { repo: ev.repo, defaultBranch: ev.defaultBranch, issue: ev.issue });
        return 'epic scheduled';
      }
      case 'refinery-review-command':
        return `review ${await handleReviewCommand({ dispatched, log }, api, ev)}`;
      case 'pr-opened': {
        if (ev.isFork) return 'fork PR: never dispatched to the self-hosted runner';
        const bead = beadIdFromBranch(ev.headRef);
        if (!bead) return `branch ${ev.headRef} is not a bead branch`;
        if (lifecycle) {
          // The bead learns its PR; its review job is dispatched by the lifecycle, once per attempt.
          drive(api, ev, { beadId: bead }, { bead: { id: bead, event: { type: 'prOpened', pr: ev.prNumber } } }, `PR #${ev.prNumber} of ${bead}`, delivery);
          return `PR #${ev.prNumber} recorded for bead ${bead}`;
        }
        const sent = await dispatchReview(api, dispatched, ev.repo, ev.defaultBranch, { prNumber: ev.prNumber, headRef: ev.headRef, key: ev.headSha });
        return sent ? `refinery-review dispatched for bead ${bead}` : 'already dispatched';
      }
      case 'workflow-run': {
        if (lifecycle) {
          const input = fromWorkflowRun(ev);
          if (!input || input.kind !== 'bead') return 'not a bead job run';
          const target = input.branch ? { branch: input.branch } : { beadId: input.beadId };
          const { beadId, event, pr } = input;
          if (event.type === 'jobSucceeded' && event.job === 'refinery-review' && pr) {
            // The run can complete before its review's webhook arrives: its verdict, read from the PR, moves the bead
            // (the review webhook after it is then refused as already applied); no verdict on the PR: ended without one.
            drive(api, ev, target, () => reviewRunInput(api, ev.repo, beadId, pr, event), `run ${ev.runId}`, delivery);
            return `review run for bead ${beadId} completed: its verdict is read from PR #${pr}`;
          }
          drive(api, ev, target, { bead: { id: beadId, event } }, `run ${ev.runId}`, delivery);
          return `${event.type} for bead ${beadId} queued`;
        }
        if (!isBeadWorkflowPath(ev.workflowPath) || !ev.headBranch?.startsWith('convoy/')) return 'not a convoy bead run';
        const convoys = opts.engine.convoys;
        if (!convoys) return 'no convoy lookup registered';
        const epic = await convoys.findByBranch(ev.repo, ev.headBranch, () => api.installationToken());
        if (!epic) return `no epic for ${ev.headBranch}`;
        // Re-reads the convoy, edits the progress comment in place and dispatches what became ready.
        queue.push(`update ${ev.headBranch}`, async () => {
          await runEpic(epicDeps, api, { repo: ev.repo, defaultBranch: ev.defaultBranch, issue: { number: epic.issueNumber, title: '', body: '' } }, 'resume-only');
        }, 'epic');
        return `progress update queued for #${epic.issueNumber}`;
      }
      case 'pr-closed': {
        if (lifecycle) {
          const input = fromClosedPr(ev);
          if (!input) return `PR #${ev.prNumber} (${ev.headRef} -> ${ev.baseRef}) is neither a bead PR nor a convoy delivery`;
          if (input.kind === 'bead') drive(api, ev, { branch: input.branch! }, { bead: { id: input.beadId, event: input.event } }, `PR #${ev.prNumber} closed`, delivery);
          else drive(api, ev, { branch: input.branch }, { convoy: input.event }, `convoy PR #${ev.prNumber} merged`, delivery);
          return `PR #${ev.prNumber} ${ev.merged ? 'merged' : 'closed unmerged'}: ${input.event.type} queued`;
        }
        if (!ev.merged) return `pull request #${ev.prNumber} closed without merging`;
        const bead = beadIdFromBranch(ev.headRef);
        if (ev.isFork || !bead || !ev.baseRef.startsWith('convoy/')) return `merged ${ev.headRef} into ${ev.baseRef}: not a bead PR into a convoy`;
        const { merges, convoys } = opts.engine;
        if (!merges || !convoys) return 'no engine registered to record merges';
        const token = () => api.installationToken();
        // The bead is done; what waited on it may be ready now, so the epic's comment and dispatches are refreshed.
        queue.push(`merged ${bead}`, async () => {
          await merges.beadMerged(ev.repo, bead, ev.baseRef, ev.prNumber, token);
          const epic = await convoys.findByBranch(ev.repo, ev.baseRef, token);
          if (epic) await runEpic(epicDeps, api, { repo: ev.repo, defaultBranch: ev.defaultBranch, issue: { number: epic.issueNumber, title: '', body: '' } }, 'resume-only');
        }, 'epic');
        return `bead ${bead} merged: recording it and updating the epic`;
      }
      case 'epic-unlabeled': {
        if (!lifecycle) return `epic #${ev.issue.number} unlabelled: no lifecycle engine registered`;
        if (ev.sender.isBot) return `epic label removed by bot ${ev.sender.login}: ignored`;
        // Pending beads are cancelled; jobs already running are left to finish.
        drive(api, ev, { epicIssue: ev.issue.number }, { convoy: { type: 'unlabelled' } }, `stop epic #${ev.issue.number}`, delivery);
        return `epic #${ev.issue.number} unlabelled: stopping its convoy`;
      }
      case 'pr-review': {
        if (!lifecycle) return `review ${ev.state} by ${ev.reviewer.login} noted`;
        if (ev.state !== 'changes_requested' && ev.state !== 'approved') return `review ${ev.state} by ${ev.reviewer.login}: nothing to do`;
        const comments = ev.state === 'changes_requested' ? await api.reviewComments(ev.repo, ev.prNumber, ev.reviewId) : [];
        const input = fromReview(ev, comments);
        if (!input || input.kind !== 'bead') return `review on ${ev.headRef} -> ${ev.baseRef}: not a bead PR into a convoy`;
        drive(api, ev, { branch: input.branch! }, { bead: { id: input.beadId, event: input.event } }, `review ${ev.reviewId}`, delivery);
        return `${input.event.type} for bead ${input.beadId} queued`;
      }
    }
  }

  const appFn: ApplicationFunction = (app) => {
    probot = app;
    void deliveries.prune((opts.dedupeDays ?? 7) * 86_400_000).catch((err: unknown) => log.warn({ err }, 'pruning deliveries failed'));
    // A dispatched attempt is remembered per (bead, job, revision, try); a month is far past any run's life.
    void dispatched.prune(30 * 86_400_000).catch((err: unknown) => log.warn({ err }, 'pruning dispatched jobs failed'));
    void posted.prune(30 * 86_400_000).catch((err: unknown) => log.warn({ err }, 'pruning posted comments failed'));
    app.onAny(async (context) => {
      const ev = parseWebhook(context.name, context.payload, { epicLabel });
      if (ev.kind === 'ignored') {
        handled.push({ delivery: context.id, event: ev.kind, outcome: ev.reason });
        return;
      }
      if (!(await deliveries.claim(context.id))) {
        handled.push({ delivery: context.id, event: ev.kind, outcome: 'duplicate delivery' });
        return;
      }
      try {
        const outcome = await route(ev, createGitHubApi((context as unknown as Context).octokit, botLogin), context.id);
        handled.push({ delivery: context.id, event: ev.kind, outcome });
        log.info({ delivery: context.id, event: ev.kind, outcome }, 'webhook handled');
      } catch (err) {
        // The quick part failed (e.g. GitHub API error): forget the delivery so a redelivery can act.
        await deliveries.release(context.id);
        throw err;
      }
    });
  };

  async function recover(): Promise<RecoveryReport[]> {
    const app = probot;
    if (!app) throw new Error('recover() called before the app was loaded');
    const appOctokit = await app.auth();
    const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
    return recoverEpics(epicDeps, {
      async list() {
        const out: { api: GitHubApi; repo: RepoRef; defaultBranch: string }[] = [];
        for (const inst of installations) {
          const octokit = await app.auth(inst.id);
          const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
          const api = createGitHubApi(octokit, botLogin);
          for (const r of repos) out.push({ api, repo: { owner: r.owner.login, repo: r.name }, defaultBranch: r.default_branch ?? 'main' });
        }
        return out;
      },
    }, epicLabel, log);
  }

  return { appFn, queue, handled, recover };
}

/** A successful review run as the bead's event: the verdict the job posted on the PR's head, else "succeeded" (which, with no verdict, counts as a failed try). */
async function reviewRunInput(api: GitHubApi, repo: RepoRef, beadId: string, pr: number, succeeded: BeadEvent): Promise<DriveInput> {
  const verdict = await api.botVerdict(repo, pr);
  const comments = verdict?.state === 'changes_requested' ? await api.reviewComments(repo, pr, verdict.id) : [];
  const event = verdict ? verdictEvent(verdict.state, verdict.body, comments, 'refinery') : null;
  return { bead: { id: beadId, event: event ?? succeeded } };
}
