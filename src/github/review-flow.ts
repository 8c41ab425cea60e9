// `/refinery review` on a PR: writers only, acknowledged with a reaction, then the review job is dispatched to the runner on the default branch.
import type { Logger } from 'pino';
import { writeAccess, type GitHubApi } from './api.js';
import { dispatchReview } from './dispatch.js';
import type { EventOf } from './events.js';
import type { OnceStore } from './once-store.js';
import { publicFailure } from './public-text.js';

export interface ReviewDeps {
  dispatched: OnceStore;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export type ReviewAdmission = 'dispatched' | 'refused' | 'ignored-bot' | 'fork' | 'failed';

/**
 * Runs inside the webhook handler: permission check, reaction, fork check, then one workflow_dispatch of the review job.
 * The app host never checks out the PR nor runs its tests: the runner job does, sandboxed, with rig.yml from the base branch.
 */
export async function handleReviewCommand(deps: ReviewDeps, api: GitHubApi, ev: EventOf<'refinery-review-command'>): Promise<ReviewAdmission> {
  if (ev.sender.isBot) return 'ignored-bot';
  const perm = await api.permission(ev.repo, ev.sender.login);
  if (!writeAccess(perm)) {
    await api.comment(
      ev.repo,
      ev.prNumber,
      `@${ev.sender.login} \`/refinery review\` can only be requested by collaborators with write access (yours: ${perm}).`,
    );
    return 'refused';
  }
  await api.reactToComment(ev.repo, ev.commentId, 'eyes');
  const pr = await api.pullRequest(ev.repo, ev.prNumber);
  if (pr.isFork) {
    // The reviewer runs on the self-hosted machine; code from forks never reaches it.
    await api.comment(ev.repo, ev.prNumber, 'This pull request comes from a fork: the Refinery does not review forks on the self-hosted runner.');
    return 'fork';
  }
  try {
    // Keyed by the comment: each request is one review, a redelivered webhook is not a second one.
    await dispatchReview(api, deps.dispatched, ev.repo, ev.defaultBranch, { prNumber: ev.prNumber, headRef: pr.headRef, key: `comment${ev.commentId}` });
  } catch (err) {
    const f = publicFailure(deps.log, err, 'dispatching the review job failed', { pr: ev.prNumber });
    await api.comment(ev.repo, ev.prNumber, `The Refinery review could not be started: ${f.text}`);
    return 'failed';
  }
  deps.log.info({ pr: ev.prNumber, by: ev.sender.login }, 'refinery-review dispatched');
  return 'dispatched';
}
