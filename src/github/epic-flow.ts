// The epic flow: check who labelled, plan once with the Mayor after the webhook is answered, keep one progress comment, dispatch jobs.
import type { Logger } from 'pino';
import { writeAccess, type GitHubApi } from './api.js';
import { progressOf } from './convoy-progress.js';
import { dispatchReady } from './dispatch.js';
import type { Actor, RepoRef } from './events.js';
import type { OnceStore } from './once-store.js';
import { ConvoyProgress, type Engine } from './ports.js';
import { renderPlanFailure, renderProgressComment } from './progress-comment.js';
import { publicFailure } from './public-text.js';
import type { WorkQueue } from './work-queue.js';

export interface EpicDeps {
  engine: Engine;
  dispatched: OnceStore;
  /** Comments posted per (epic, event) (optional: without it a comment is still posted once per landed push). */
  posted?: OnceStore;
  /** Epics whose planning failed: not planned again (no new Gemini calls, no new failure comment) until the label is added again. */
  failedEpics: OnceStore;
  queue: WorkQueue;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Epics being planned or resumed right now in this process (label event and restart recovery must not both plan). */
  inFlight: Set<string>;
}

export interface EpicTarget {
  repo: RepoRef;
  /** The repository's default branch (the review job and the convoy's delivery PR go there). */
  defaultBranch: string;
  issue: { number: number; title: string; body: string };
}

export type Admission = { ok: true } | { ok: false; reason: string };

/** Only people with write access start epics; bots never do (the app's own label edits must not loop). */
export async function admitActor(api: GitHubApi, repo: RepoRef, actor: Actor): Promise<Admission> {
  if (actor.isBot) return { ok: false, reason: `sender ${actor.login} is a bot` };
  const perm = await api.permission(repo, actor.login);
  return writeAccess(perm) ? { ok: true } : { ok: false, reason: `${actor.login} has ${perm} access, write is needed` };
}

export function epicKey(repo: RepoRef, issue: number): string {
  return `${repo.owner}/${repo.repo}#${issue}`;
}

/**
 * Called from the webhook handler for a label event: returns at once; the work runs on the queue after GitHub gets
 * its answer. Adding the label again is how a person asks for a failed epic to be retried, so the failure mark goes.
 */
export async function scheduleEpic(deps: EpicDeps, api: GitHubApi, target: EpicTarget): Promise<void> {
  await deps.failedEpics.release(epicKey(target.repo, target.issue.number));
  deps.queue.push(`epic ${target.repo.owner}/${target.repo.repo}#${target.issue.number}`, () => runEpic(deps, api, target).then(() => undefined), 'epic');
}

export type EpicOutcome = 'planned' | 'resumed' | 'finished' | 'failed' | 'busy' | 'no-planner' | 'no-convoy';

/**
 * Plans the epic unless a convoy already exists for it (then resumes it): refreshes the progress
 * comment and dispatches the beads that are ready. Never plans while another run holds the same epic.
 */
export async function runEpic(
  deps: EpicDeps,
  api: GitHubApi,
  target: EpicTarget,
  mode: 'plan-or-resume' | 'resume-only' = 'plan-or-resume',
): Promise<EpicOutcome> {
  const { repo, issue } = target;
  const key = epicKey(repo, issue.number);
  if (deps.inFlight.has(key)) return 'busy';
  deps.inFlight.add(key);
  try {
    const token = () => api.installationToken();
    const existing = deps.engine.convoys ? await deps.engine.convoys.findByEpic(repo, issue.number, token) : null;
    let progress: ConvoyProgress;
    let outcome: EpicOutcome;
    if (existing) {
      const { finished, ...rest } = existing;
      progress = ConvoyProgress.parse(rest);
      outcome = finished ? 'finished' : 'resumed';
    } else {
      if (mode === 'resume-only') return 'no-convoy';
      if (!deps.engine.planner) {
        await api.comment(repo, issue.number, renderPlanFailure('The Mayor (agent engine) is not available in this server yet.'));
        return 'no-planner';
      }
      try {
        const planned = await deps.engine.planner.planEpic({ repo, issueNumber: issue.number, title: issue.title, body: issue.body, token });
        progress = ConvoyProgress.parse(planned);
      } catch (err) {
        await deps.failedEpics.claim(key);
        const failure = publicFailure(deps.log, err, 'Mayor failed to plan epic', { epic: key });
        await api.comment(repo, issue.number, renderPlanFailure(failure.text));
        return 'failed';
      }
      outcome = 'planned';
    }
    if (deps.engine.lifecycle) {
      // The lifecycle starts what is ready (and a stopped convoy runs again when the label is back), then dispatches.
      const input = mode === 'plan-or-resume' && outcome === 'resumed' ? ({ convoy: { type: 'relabelled' } } as const) : null;
      const ctx = { api, repo, defaultBranch: target.defaultBranch, dispatched: deps.dispatched, posted: deps.posted, token };
      const driven = await deps.engine.lifecycle.drive(ctx, { epicIssue: issue.number }, input);
      if (driven) {
        const { finished: _f, ...now } = progressOf(driven.convoy, driven.beads);
        progress = ConvoyProgress.parse(now);
        deps.log.info({ epic: key, convoy: progress.convoyId, dispatched: driven.dispatched }, `epic ${outcome}`);
      }
      await api.upsertProgressComment(repo, issue.number, renderProgressComment(progress));
      return outcome;
    }
    await api.upsertProgressComment(repo, issue.number, renderProgressComment(progress));
    if (outcome !== 'finished') {
      const sent = await dispatchReady(api, deps.dispatched, repo, progress);
      deps.log.info({ epic: key, convoy: progress.convoyId, dispatched: sent.map((d) => d.beadId) }, `epic ${outcome}`);
    }
    return outcome;
  } finally {
    deps.inFlight.delete(key);
  }
}
