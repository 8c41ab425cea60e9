// `/refinery review` on a PR: writers only, acknowledged with a reaction, answered with a real PR review with line comments.
import type { Logger } from 'pino';
import { errorMessage } from '../util/errors.js';
import { writeAccess, type GitHubApi } from './api.js';
import type { EventOf } from './events.js';
import { ReviewResult, type Reviewer } from './ports.js';
import type { WorkQueue } from './work-queue.js';

export interface ReviewDeps {
  reviewer: Reviewer | null;
  queue: WorkQueue;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export type ReviewAdmission = 'accepted' | 'refused' | 'ignored-bot';

/** Runs inside the webhook handler: permission check, then reaction or refusal reply; the review itself is queued. */
export async function handleReviewCommand(
  deps: ReviewDeps,
  api: GitHubApi,
  ev: EventOf<'refinery-review-command'>,
): Promise<ReviewAdmission> {
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
  deps.queue.push(`review ${ev.repo.owner}/${ev.repo.repo}#${ev.prNumber}`, () => runReview(deps, api, ev), 'review');
  return 'accepted';
}

export async function runReview(deps: ReviewDeps, api: GitHubApi, ev: EventOf<'refinery-review-command'>): Promise<void> {
  const pr = await api.pullRequest(ev.repo, ev.prNumber);
  if (pr.isFork) {
    // The reviewer runs on the self-hosted machine; code from forks never reaches it.
    await api.comment(ev.repo, ev.prNumber, 'This pull request comes from a fork: the Refinery does not review forks on the self-hosted runner.');
    return;
  }
  if (!deps.reviewer) {
    await api.comment(ev.repo, ev.prNumber, 'The Refinery reviewer (agent engine) is not available in this server yet.');
    return;
  }
  let result: ReviewResult;
  try {
    result = ReviewResult.parse(
      await deps.reviewer.review({
        repo: ev.repo, prNumber: ev.prNumber, headSha: pr.headSha, headRef: pr.headRef, baseRef: pr.baseRef,
        requestedBy: ev.sender.login, token: () => api.installationToken(),
      }),
    );
  } catch (err) {
    deps.log.warn({ err, pr: ev.prNumber }, 'review failed');
    await api.comment(ev.repo, ev.prNumber, `The Refinery review failed: ${errorMessage(err)}`);
    return;
  }
  await api.createReview(ev.repo, ev.prNumber, pr.headSha, result);
  deps.log.info({ pr: ev.prNumber, verdict: result.verdict, comments: result.comments.length }, 'review posted');
}
