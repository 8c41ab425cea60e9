// The GitHub REST calls the app makes, behind one small interface so flows stay readable and testable.
import type { ProbotOctokit } from 'probot';
import type { RepoRef } from './events.js';
import { findProgressComment } from './progress-comment.js';
import type { ReviewResult } from './review-map.js';

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface GitHubApi {
  permission(repo: RepoRef, username: string): Promise<Permission>;
  comment(repo: RepoRef, issueNumber: number, body: string): Promise<void>;
  /** Edits the app's progress comment in place, or creates it when there is none yet. */
  upsertProgressComment(repo: RepoRef, issueNumber: number, body: string): Promise<{ id: number; created: boolean }>;
  reactToComment(repo: RepoRef, commentId: number, content: 'eyes' | '+1' | 'confused'): Promise<void>;
  pullRequest(repo: RepoRef, prNumber: number): Promise<{ headSha: string; headRef: string; baseRef: string; isFork: boolean }>;
  createReview(repo: RepoRef, prNumber: number, commitId: string, review: ReviewResult): Promise<void>;
  dispatchWorkflow(repo: RepoRef, workflow: string, ref: string, inputs: Record<string, string>): Promise<void>;
  openIssuesWithLabel(repo: RepoRef, label: string): Promise<{ number: number; title: string; body: string }[]>;
  /** Who most recently added `label` to the issue (from its event timeline), or null. */
  lastLabeler(repo: RepoRef, issueNumber: number, label: string): Promise<{ login: string; isBot: boolean } | null>;
  /** Opens a PR, or returns the open one from the same head into the same base (a redone step must not fail on it). */
  openPullRequest(repo: RepoRef, p: { head: string; base: string; title: string; body: string }): Promise<{ number: number; created: boolean }>;
  /** The line comments of one submitted review (the feedback a Polecat gets). */
  reviewComments(repo: RepoRef, prNumber: number, reviewId: number): Promise<{ path: string; line: number | null; body: string }[]>;
  closeIssue(repo: RepoRef, issueNumber: number): Promise<void>;
  /**
   * This app's own latest verdict (approved or changes requested) on the PR's current head commit, or null: what a
   * review job posted, read back when its run's completion arrives before the review's webhook.
   */
  botVerdict(repo: RepoRef, prNumber: number): Promise<{ id: number; state: 'approved' | 'changes_requested'; body: string } | null>;
  /** The installation access token (cached by Octokit), for git over HTTPS; never logged. */
  installationToken(): Promise<string | null>;
}

const EVENT = { approve: 'APPROVE', request_changes: 'REQUEST_CHANGES', comment: 'COMMENT' } as const;

export function writeAccess(p: Permission): boolean {
  return p === 'admin' || p === 'maintain' || p === 'write';
}

/**
 * `botLogin` is this app's own login (`<slug>[bot]`, from GET /app): the only author whose comments the app treats
 * as its own.
 */
export function createGitHubApi(octokit: ProbotOctokit, botLogin: () => Promise<string>): GitHubApi {
  const rest = octokit.rest;
  return {
    async permission(repo, username) {
      let data;
      try {
        ({ data } = await rest.repos.getCollaboratorPermissionLevel({ ...repo, username }));
      } catch (err) {
        // GitHub answers 404 for accounts that are not collaborators at all: that is no access, not an outage.
        if ((err as { status?: number }).status === 404) return 'none';
        throw err;
      }
      // role_name distinguishes maintain/triage, which `permission` folds into write/read.
      const role = data.role_name as Permission | undefined;
      return role && ['admin', 'maintain', 'write', 'triage', 'read'].includes(role) ? role : (data.permission as Permission);
    },
    async comment(repo, issueNumber, body) {
      await rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
    },
    async upsertProgressComment(repo, issueNumber, body) {
      const comments = await octokit.paginate(rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
      const mine = findProgressComment(comments, await botLogin());
      if (mine) {
        if (mine.body !== body) await rest.issues.updateComment({ ...repo, comment_id: mine.id, body });
        return { id: mine.id, created: false };
      }
      const { data } = await rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
      return { id: data.id, created: true };
    },
    async reactToComment(repo, commentId, content) {
      await rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
    },
    async pullRequest(repo, prNumber) {
      const { data } = await rest.pulls.get({ ...repo, pull_number: prNumber });
      const isFork = data.head.repo === null || data.head.repo.full_name !== data.base.repo.full_name;
      return { headSha: data.head.sha, headRef: data.head.ref, baseRef: data.base.ref, isFork };
    },
    async createReview(repo, prNumber, commitId, review) {
      await rest.pulls.createReview({
        ...repo,
        pull_number: prNumber,
        commit_id: commitId,
        event: EVENT[review.verdict],
        body: review.summary,
        comments: review.comments.map((c) => ({ path: c.path, line: c.line, side: 'RIGHT' as const, body: c.body })),
      });
    },
    async dispatchWorkflow(repo, workflow, ref, inputs) {
      await rest.actions.createWorkflowDispatch({ ...repo, workflow_id: workflow, ref, inputs });
    },
    async openIssuesWithLabel(repo, label) {
      const issues = await octokit.paginate(rest.issues.listForRepo, { ...repo, labels: label, state: 'open', per_page: 100 });
      // The issues API lists pull requests too; epics are issues only.
      return issues
        .filter((i) => !i.pull_request)
        .map((i) => ({ number: i.number, title: i.title, body: i.body ?? '' }));
    },
    async lastLabeler(repo, issueNumber, label) {
      const events = await octokit.paginate(rest.issues.listEvents, { ...repo, issue_number: issueNumber, per_page: 100 });
      const labeled = events.filter((e) => e.event === 'labeled' && 'label' in e && e.label?.name === label);
      const last = labeled.at(-1);
      if (!last?.actor) return null;
      return { login: last.actor.login, isBot: last.actor.type === 'Bot' };
    },
    async openPullRequest(repo, p) {
      const open = await rest.pulls.list({ ...repo, state: 'open', head: `${repo.owner}:${p.head}`, base: p.base, per_page: 1 });
      if (open.data[0]) return { number: open.data[0].number, created: false };
      const { data } = await rest.pulls.create({ ...repo, head: p.head, base: p.base, title: p.title, body: p.body });
      return { number: data.number, created: true };
    },
    async reviewComments(repo, prNumber, reviewId) {
      const comments = await octokit.paginate(rest.pulls.listCommentsForReview, { ...repo, pull_number: prNumber, review_id: reviewId, per_page: 100 });
      return comments.map((c) => ({ path: c.path, line: c.line ?? c.original_line ?? null, body: c.body }));
    },
    async closeIssue(repo, issueNumber) {
      await rest.issues.update({ ...repo, issue_number: issueNumber, state: 'closed', state_reason: 'completed' });
    },
    async botVerdict(repo, prNumber) {
      const [pr, reviews, me] = await Promise.all([
        rest.pulls.get({ ...repo, pull_number: prNumber }),
        octokit.paginate(rest.pulls.listReviews, { ...repo, pull_number: prNumber, per_page: 100 }),
        botLogin(),
      ]);
      // A review of an earlier head (before a revision was pushed) judged other code: only the current head's counts.
      const mine = reviews.filter((r) => r.user?.login === me && r.commit_id === pr.data.head.sha && (r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED')).at(-1);
      return mine ? { id: mine.id, state: mine.state === 'APPROVED' ? 'approved' : 'changes_requested', body: mine.body ?? '' } : null;
    },
    async installationToken() {
      const auth = (await octokit.auth({ type: 'installation' })) as { token?: string };
      return auth.token ?? null;
    },
  };
}
