// What a runner job says to GitHub with the app's installation token: open the bead's PR, read a PR, post the Refinery's review.
import { Octokit } from '@octokit/rest';
import type { RepoRef } from './events.js';
import type { ReviewResult } from './review-map.js';

const EVENT = { approve: 'APPROVE', request_changes: 'REQUEST_CHANGES', comment: 'COMMENT' } as const;

export interface JobGitHub {
  repo: RepoRef;
  /** Opens the PR, or returns the open one for the same head (a rerun of the job must not fail on it). */
  openPullRequest(p: { head: string; base: string; title: string; body: string }): Promise<{ number: number; url: string; created: boolean }>;
  pullRequest(n: number): Promise<{ headSha: string; headRef: string; baseRef: string; isFork: boolean }>;
  createReview(n: number, commitId: string, review: ReviewResult): Promise<void>;
}

/**
 * From the job's environment: GTH_GITHUB_TOKEN (the app's installation token the workflow creates) or GITHUB_TOKEN,
 * GITHUB_REPOSITORY (owner/repo, set by Actions) and GITHUB_API_URL. Null when there is no token or repository.
 */
export function jobGitHubFromEnv(env: NodeJS.ProcessEnv): JobGitHub | null {
  const token = env.GTH_GITHUB_TOKEN?.trim() || env.GITHUB_TOKEN?.trim();
  const [owner, name] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!token || !owner || !name) return null;
  // Without throttling/retry plugins: a job makes a handful of calls, and errors should surface at once.
  return createJobGitHub(new Octokit({ auth: token, baseUrl: env.GITHUB_API_URL || 'https://api.github.com', userAgent: 'gastown-hybrid-job' }), { owner, repo: name });
}

export function createJobGitHub(octokit: Octokit, repo: RepoRef): JobGitHub {
  return {
    repo,
    async openPullRequest(p) {
      const open = await octokit.rest.pulls.list({ ...repo, state: 'open', head: `${repo.owner}:${p.head}`, base: p.base, per_page: 1 });
      const existing = open.data[0];
      if (existing) return { number: existing.number, url: existing.html_url, created: false };
      const { data } = await octokit.rest.pulls.create({ ...repo, head: p.head, base: p.base, title: p.title, body: p.body });
      return { number: data.number, url: data.html_url, created: true };
    },
    async pullRequest(n) {
      const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: n });
      const isFork = data.head.repo === null || data.head.repo.full_name !== data.base.repo.full_name;
      return { headSha: data.head.sha, headRef: data.head.ref, baseRef: data.base.ref, isFork };
    },
    async createReview(n, commitId, review) {
      await octokit.rest.pulls.createReview({
        ...repo,
        pull_number: n,
        commit_id: commitId,
        event: EVENT[review.verdict],
        body: review.summary,
        comments: review.comments.map((c) => ({ path: c.path, line: c.line, side: 'RIGHT' as const, body: c.body })),
      });
    },
  };
}
