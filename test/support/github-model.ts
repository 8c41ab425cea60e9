// What GitHub holds for one repository in the end-to-end tests (pull requests, reviews, dispatches, issue state),
// answering the fake's REST calls from it and writing the webhooks GitHub would send when it changes.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { FakeGitHub, GithubRequest } from './github-fake.js';
import { examplePayload } from './github-webhooks.js';
import { repoRoot } from './cli.js';

export const REPO = { owner: 'Codertocat', repo: 'Hello-World' } as const;
const FULL = `${REPO.owner}/${REPO.repo}`;
/** The app's bot (GET /app slug "gastown-hybrid"): runner jobs post with its installation token. */
export const APP_BOT = { login: 'gastown-hybrid[bot]', id: 12345, type: 'Bot' };

export interface ModelPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  merged: boolean;
}

export interface ModelReview {
  id: number;
  pr: number;
  commitId: string;
  /** As GitHub stores it: APPROVED, CHANGES_REQUESTED, COMMENTED. */
  state: string;
  body: string;
  comments: { path: string; line: number; body: string }[];
}

export interface ModelDispatch {
  /** The job kind: the workflow file's name without .yml. */
  kind: string;
  ref: string;
  inputs: Record<string, string>;
}

const REVIEW_STATE: Record<string, string> = { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' };

export class GitHubModel {
  readonly pulls: ModelPull[] = [];
  readonly reviews: ModelReview[] = [];
  readonly dispatches: ModelDispatch[] = [];
  readonly closedIssues: number[] = [];
  private nextPr = 11;
  private nextReview = 501;
  private nextRun = 9001;

  /** `bare`: the repository's git remote (PR heads are read from it, as GitHub reads its own refs). */
  constructor(private readonly bare: string) {}

  /** Answers the REST calls the app and the runner jobs make about pull requests, reviews, dispatches and the epic. */
  install(fake: FakeGitHub): FakeGitHub {
    return fake
      .on('actions/create-workflow-dispatch', (req) => {
        const body = req.body as { ref: string; inputs: Record<string, string> };
        this.dispatches.push({ kind: /workflows\/([^/]+)\.yml\//.exec(req.path)![1]!, ref: body.ref, inputs: body.inputs });
        return [204];
      })
      .on('pulls/list', (req) => {
        const q = new URL(req.path, 'https://api.github.com').searchParams;
        const found = this.pulls.filter(
          (p) => (!q.get('state') || q.get('state') === 'all' || p.state === q.get('state')) && (!q.get('head') || q.get('head') === `${REPO.owner}:${p.head}`) && (!q.get('base') || q.get('base') === p.base),
        );
        return [200, found.map((p) => this.pullJson(p))];
      })
      .on('pulls/create', (req) => {
        const b = req.body as { head: string; base: string; title: string; body: string };
        const pull: ModelPull = { number: this.nextPr++, head: b.head, base: b.base, title: b.title, body: b.body, state: 'open', merged: false };
        this.pulls.push(pull);
        return [201, this.pullJson(pull)];
      })
      .on('pulls/get', (req) => {
        const pull = this.pull(Number(/\/pulls\/(\d+)/.exec(req.path)![1]));
        return pull ? [200, this.pullJson(pull)] : [404, { message: 'Not Found' }];
      })
      .on('pulls/create-review', (req) => {
        const b = req.body as { commit_id: string; event: string; body: string; comments?: { path: string; line: number; body: string }[] };
        const review: ModelReview = {
          id: this.nextReview++, pr: prOf(req), commitId: b.commit_id, state: REVIEW_STATE[b.event] ?? b.event, body: b.body,
          comments: (b.comments ?? []).map((c) => ({ path: c.path, line: c.line, body: c.body })),
        };
        this.reviews.push(review);
        return [200, this.reviewJson(review)];
      })
      .on('pulls/list-reviews', (req) => [200, this.reviews.filter((r) => r.pr === prOf(req)).map((r) => this.reviewJson(r))])
      .on('pulls/list-comments-for-review', (req) => {
        const review = this.reviews.find((r) => r.id === Number(/\/reviews\/(\d+)/.exec(req.path)![1]));
        return [200, (review?.comments ?? []).map((c, i) => ({ id: i + 1, path: c.path, line: c.line, original_line: c.line, body: c.body }))];
      })
      .on('issues/update', (req) => {
        this.closedIssues.push(Number(/\/issues\/(\d+)/.exec(req.path)![1]));
        return [200, { number: 1, state: 'closed' }];
      });
  }

  pull(n: number): ModelPull | undefined {
    return this.pulls.find((p) => p.number === n);
  }

  /** The head commit of a PR now: its branch's tip on the remote. */
  headSha(p: ModelPull): string {
    return execFileSync('git', ['rev-parse', `refs/heads/${p.head}`], { cwd: this.bare, encoding: 'utf8' }).trim();
  }

  private pullJson(p: ModelPull): Record<string, unknown> {
    const repo = { full_name: FULL, name: REPO.repo, owner: { login: REPO.owner } };
    return {
      number: p.number, state: p.state, merged: p.merged, title: p.title, body: p.body, html_url: `https://github.com/${FULL}/pull/${p.number}`,
      head: { ref: p.head, sha: this.headSha(p), repo }, base: { ref: p.base, sha: '0'.repeat(40), repo },
    };
  }

  private reviewJson(r: ModelReview): Record<string, unknown> {
    return { id: r.id, user: APP_BOT, body: r.body, state: r.state, commit_id: r.commitId, html_url: `https://github.com/${FULL}/pull/${r.pr}#pullrequestreview-${r.id}` };
  }

  // ---- the webhooks GitHub sends (real example payloads, edited to this repository's state) ----

  pullRequestEvent(p: ModelPull, action: 'opened' | 'closed'): Record<string, any> {
    const e = onMain(examplePayload('pull_request', action, action === 'opened' ? 1 : 0));
    Object.assign(e.pull_request, { number: p.number, merged: p.merged, state: p.state, title: p.title, body: p.body });
    Object.assign(e.pull_request.head, { ref: p.head, sha: this.headSha(p) });
    e.pull_request.base.ref = p.base;
    return e;
  }

  reviewEvent(r: ModelReview): Record<string, any> {
    const p = this.pull(r.pr)!;
    const e = onMain(examplePayload('pull_request_review', 'submitted'));
    Object.assign(e.review, { id: r.id, state: r.state.toLowerCase(), body: r.body, commit_id: r.commitId, user: { ...e.review.user, ...APP_BOT } });
    Object.assign(e.pull_request, { number: p.number });
    Object.assign(e.pull_request.head, { ref: p.head, sha: this.headSha(p) });
    e.pull_request.base.ref = p.base;
    return e;
  }

  /** A dispatched run's completion, titled by the workflow file's own `run-name` with the dispatch's inputs. */
  runCompleted(d: ModelDispatch, conclusion: 'success' | 'failure' | 'cancelled' | 'timed_out'): Record<string, any> {
    const e = onMain(examplePayload('workflow_run', 'completed', 0));
    Object.assign(e.workflow_run, {
      id: this.nextRun++, path: `.github/workflows/${d.kind}.yml`, event: 'workflow_dispatch', display_title: runName(d), head_branch: d.ref, conclusion, status: 'completed',
    });
    return e;
  }
}

function prOf(req: GithubRequest): number {
  return Number(/\/pulls\/(\d+)/.exec(req.path)![1]);
}

const onMain = (p: Record<string, any>): Record<string, any> => ((p.repository.default_branch = 'main'), p);

/** `run-name` of .github/workflows/<kind>.yml with `${{ inputs.x }}` filled in, as GitHub titles the run. */
export function runName(d: ModelDispatch): string {
  const wf = yaml.load(readFileSync(join(repoRoot, '.github', 'workflows', `${d.kind}.yml`), 'utf8')) as { 'run-name': string };
  return wf['run-name'].replace(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_m, k: string) => d.inputs[k] ?? '');
}
