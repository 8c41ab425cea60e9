// The Probot application: dedupes deliveries, parses each webhook once, and routes it to the epic, review or dispatch flows.
import { join } from 'node:path';
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { Logger } from 'pino';
import { createGitHubApi, type GitHubApi } from './api.js';
import { beadIdFromBranch, dispatchReview, isBeadWorkflowPath } from './dispatch.js';
import { admitActor, runEpic, scheduleEpic, type EpicDeps } from './epic-flow.js';
import { parseWebhook, type GithubEvent } from './events.js';
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
  const epicDeps: EpicDeps = { engine: opts.engine, dispatched, failedEpics, queue, log, inFlight: new Set() };
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

  async function route(ev: GithubEvent, api: GitHubApi): Promise<string> {
    switch (ev.kind) {
      case 'ignored':
        return ev.reason;
      case 'epic-labeled': {
        const admitted = await admitActor(api, ev.repo, ev.sender);
        if (!admitted.ok) return `refused: ${admitted.reason}`;
        await scheduleEpic(epicDeps, api, { repo: ev.repo, issue: ev.issue });
        return 'epic scheduled';
      }
      case 'refinery-review-command':
        return `review ${await handleReviewCommand({ dispatched, log }, api, ev)}`;
      case 'pr-opened': {
        if (ev.isFork) return 'fork PR: never dispatched to the self-hosted runner';
        const bead = beadIdFromBranch(ev.headRef);
        if (!bead) return `branch ${ev.headRef} is not a bead branch`;
        const sent = await dispatchReview(api, dispatched, ev.repo, ev.defaultBranch, { prNumber: ev.prNumber, headRef: ev.headRef, key: ev.headSha });
        return sent ? `refinery-review dispatched for bead ${bead}` : 'already dispatched';
      }
      case 'workflow-run': {
        if (!isBeadWorkflowPath(ev.workflowPath) || !ev.headBranch?.startsWith('convoy/')) return 'not a convoy bead run';
        const convoys = opts.engine.convoys;
        if (!convoys) return 'no convoy lookup registered';
        const epic = await convoys.findByBranch(ev.repo, ev.headBranch, () => api.installationToken());
        if (!epic) return `no epic for ${ev.headBranch}`;
        // Re-reads the convoy, edits the progress comment in place and dispatches what became ready.
        queue.push(`update ${ev.headBranch}`, async () => {
          await runEpic(epicDeps, api, { repo: ev.repo, issue: { number: epic.issueNumber, title: '', body: '' } }, 'resume-only');
        }, 'epic');
        return `progress update queued for #${epic.issueNumber}`;
      }
      case 'pr-closed': {
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
          if (epic) await runEpic(epicDeps, api, { repo: ev.repo, issue: { number: epic.issueNumber, title: '', body: '' } }, 'resume-only');
        }, 'epic');
        return `bead ${bead} merged: recording it and updating the epic`;
      }
      case 'epic-unlabeled':
        return `epic #${ev.issue.number} unlabelled`;
      case 'pr-review':
        // Feeding human reviews back into beads belongs to the engine; recorded here only.
        return `review ${ev.state} by ${ev.sender.login} noted`;
    }
  }

  const appFn: ApplicationFunction = (app) => {
    probot = app;
    void deliveries.prune((opts.dedupeDays ?? 7) * 86_400_000).catch((err: unknown) => log.warn({ err }, 'pruning deliveries failed'));
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
        const outcome = await route(ev, createGitHubApi((context as unknown as Context).octokit, botLogin));
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
        const out: { api: GitHubApi; repo: { owner: string; repo: string } }[] = [];
        for (const inst of installations) {
          const octokit = await app.auth(inst.id);
          const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
          const api = createGitHubApi(octokit, botLogin);
          for (const r of repos) out.push({ api, repo: { owner: r.owner.login, repo: r.name } });
        }
        return out;
      },
    }, epicLabel, log);
  }

  return { appFn, queue, handled, recover };
}
