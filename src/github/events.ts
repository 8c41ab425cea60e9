// Turns one webhook (name + payload) into a typed GithubEvent, once, so handlers never dig into raw payloads.
import { z } from 'zod';

const Repo = z.looseObject({
  name: z.string(),
  full_name: z.string(),
  owner: z.looseObject({ login: z.string() }),
  default_branch: z.string().optional(),
});
const Sender = z.looseObject({ login: z.string(), type: z.string() });
const Installation = z.looseObject({ id: z.int() });

export const RepoRef = z.strictObject({ owner: z.string(), repo: z.string() });
export const Actor = z.strictObject({ login: z.string(), isBot: z.boolean() });
/** defaultBranch: the repository's default branch from the payload; every workflow dispatch runs on it (or a convoy branch). */
const Base = { repo: RepoRef, installationId: z.int(), sender: Actor, defaultBranch: z.string() };

export const GithubEvent = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('epic-labeled'),
    ...Base,
    issue: z.strictObject({ number: z.int(), title: z.string(), body: z.string() }),
  }),
  z.strictObject({
    kind: z.literal('refinery-review-command'),
    ...Base,
    prNumber: z.int(),
    commentId: z.int(),
  }),
  z.strictObject({
    kind: z.literal('pr-opened'),
    ...Base,
    prNumber: z.int(),
    headRef: z.string(),
    headSha: z.string(),
    isFork: z.boolean(),
  }),
  z.strictObject({
    kind: z.literal('pr-closed'),
    ...Base,
    prNumber: z.int(),
    merged: z.boolean(),
    headRef: z.string(),
    baseRef: z.string(),
    isFork: z.boolean(),
  }),
  z.strictObject({
    kind: z.literal('pr-review'),
    ...Base,
    prNumber: z.int(),
    reviewId: z.int(),
    /** GitHub's review state, lower case: approved, changes_requested, commented, dismissed. */
    state: z.string(),
    /** Who wrote the review (a person or a bot: the Refinery's reviews come from the app's bot). */
    reviewer: Actor,
    headRef: z.string(),
    baseRef: z.string(),
    body: z.string(),
  }),
  z.strictObject({
    kind: z.literal('workflow-run'),
    ...Base,
    runId: z.int(),
    runAttempt: z.int(),
    workflowPath: z.string(),
    /** How the run was started (workflow_dispatch for the app's jobs). */
    trigger: z.string(),
    /** The run's title: the bead workflows name their bead in it (`run-name`). */
    title: z.string(),
    headBranch: z.string().nullable(),
    conclusion: z.string().nullable(),
  }),
  z.strictObject({
    kind: z.literal('epic-unlabeled'),
    ...Base,
    issue: z.strictObject({ number: z.int(), title: z.string() }),
  }),
  z.strictObject({ kind: z.literal('ignored'), reason: z.string() }),
]);
export type GithubEvent = z.infer<typeof GithubEvent>;
export type RepoRef = z.infer<typeof RepoRef>;
export type Actor = z.infer<typeof Actor>;
export type EventOf<K extends GithubEvent['kind']> = Extract<GithubEvent, { kind: K }>;

export interface ParseOptions {
  epicLabel: string;
}

/** `/refinery review` must open the comment (leading blanks allowed) so quoting it elsewhere does not trigger it. */
export const REVIEW_COMMAND_RE = /^\s*\/refinery\s+review(\s|$)/;

const Common = z.looseObject({ action: z.string().optional(), repository: Repo, sender: Sender, installation: Installation.optional() });
const IssuePayload = Common.extend({
  label: z.looseObject({ name: z.string() }).optional(),
  issue: z.looseObject({
    number: z.int(),
    title: z.string(),
    body: z.string().nullable().optional(),
    state: z.string().optional(),
    pull_request: z.unknown().optional(),
  }),
});
const CommentPayload = IssuePayload.extend({ comment: z.looseObject({ id: z.int(), body: z.string() }) });
const PrHead = z.looseObject({ ref: z.string(), sha: z.string(), repo: z.looseObject({ full_name: z.string() }).nullable() });
const PrPayload = Common.extend({
  pull_request: z.looseObject({ number: z.int(), head: PrHead, base: z.looseObject({ repo: z.looseObject({ full_name: z.string() }) }) }),
});
const ClosedPayload = Common.extend({
  pull_request: z.looseObject({
    number: z.int(),
    merged: z.boolean().nullable().optional(),
    head: PrHead,
    base: z.looseObject({ ref: z.string(), repo: z.looseObject({ full_name: z.string() }) }),
  }),
});
const ReviewPayload = Common.extend({
  pull_request: z.looseObject({ number: z.int(), head: PrHead, base: z.looseObject({ ref: z.string(), repo: z.looseObject({ full_name: z.string() }) }) }),
  review: z.looseObject({ id: z.int(), state: z.string(), body: z.string().nullable().optional(), user: Sender.nullable() }),
});
const RunPayload = Common.extend({
  workflow_run: z.looseObject({
    id: z.int(),
    path: z.string(),
    event: z.string(),
    run_attempt: z.int().optional(),
    display_title: z.string().optional(),
    name: z.string().nullable().optional(),
    head_branch: z.string().nullable(),
    conclusion: z.string().nullable(),
  }),
});

function ignored(reason: string): GithubEvent {
  return { kind: 'ignored', reason };
}

function shape<S extends z.ZodType>(schema: S, payload: unknown, what: string): z.infer<S> | string {
  const r = schema.safeParse(payload);
  return r.success ? r.data : `malformed ${what} payload: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
}

function actor(u: { login: string; type: string }) {
  return { login: u.login, isBot: u.type === 'Bot' || u.login.endsWith('[bot]') };
}

function base(p: z.infer<typeof Common>) {
  return {
    repo: { owner: p.repository.owner.login, repo: p.repository.name },
    installationId: p.installation!.id,
    sender: actor(p.sender),
    // GitHub always sends it; 'main' only covers hand-made payloads.
    defaultBranch: p.repository.default_branch ?? 'main',
  };
}

/** Classifies a delivery. Never throws: anything we do not act on becomes `ignored` with the reason. */
export function parseWebhook(name: string, payload: unknown, opts: ParseOptions): GithubEvent {
  const action = (payload as { action?: unknown } | null)?.action;
  const key = typeof action === 'string' ? `${name}.${action}` : name;
  const common = Common.safeParse(payload);
  if (!common.success) return ignored(`${key}: no repository/sender in payload`);
  if (!common.data.installation) return ignored(`${key}: no installation id (not delivered to an installed app)`);

  switch (key) {
    case 'issues.labeled': {
      const p = shape(IssuePayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      if (p.label?.name !== opts.epicLabel) return ignored(`label "${p.label?.name ?? ''}" is not "${opts.epicLabel}"`);
      if (p.issue.pull_request !== undefined) return ignored('epic label on a pull request, not an issue');
      if (p.issue.state && p.issue.state !== 'open') return ignored(`issue #${p.issue.number} is ${p.issue.state}`);
      return { kind: 'epic-labeled', ...base(p), issue: { number: p.issue.number, title: p.issue.title, body: p.issue.body ?? '' } };
    }
    case 'issues.unlabeled': {
      const p = shape(IssuePayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      if (p.label?.name !== opts.epicLabel) return ignored(`label "${p.label?.name ?? ''}" is not "${opts.epicLabel}"`);
      if (p.issue.pull_request !== undefined) return ignored('epic label removed from a pull request, not an issue');
      return { kind: 'epic-unlabeled', ...base(p), issue: { number: p.issue.number, title: p.issue.title } };
    }
    case 'issue_comment.created': {
      const p = shape(CommentPayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      if (!REVIEW_COMMAND_RE.test(p.comment.body)) return ignored('comment is not a /refinery review command');
      if (p.issue.pull_request === undefined) return ignored('/refinery review on an issue, not a pull request');
      return { kind: 'refinery-review-command', ...base(p), prNumber: p.issue.number, commentId: p.comment.id };
    }
    case 'pull_request.opened':
    case 'pull_request.reopened': {
      const p = shape(PrPayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      const pr = p.pull_request;
      // A deleted fork has head.repo null: treat it as a fork, the safe side.
      const isFork = pr.head.repo === null || pr.head.repo.full_name !== pr.base.repo.full_name;
      return { kind: 'pr-opened', ...base(p), prNumber: pr.number, headRef: pr.head.ref, headSha: pr.head.sha, isFork };
    }
    case 'pull_request.closed': {
      const p = shape(ClosedPayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      const pr = p.pull_request;
      const isFork = pr.head.repo === null || pr.head.repo.full_name !== pr.base.repo.full_name;
      return { kind: 'pr-closed', ...base(p), prNumber: pr.number, merged: pr.merged === true, headRef: pr.head.ref, baseRef: pr.base.ref, isFork };
    }
    case 'pull_request_review.submitted': {
      const p = shape(ReviewPayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      // A review by a deleted account has no user: GitHub shows it as "ghost".
      const reviewer = p.review.user ? actor(p.review.user) : { login: 'ghost', isBot: false };
      return {
        kind: 'pr-review', ...base(p), prNumber: p.pull_request.number, reviewId: p.review.id, state: p.review.state.toLowerCase(),
        reviewer, headRef: p.pull_request.head.ref, baseRef: p.pull_request.base.ref, body: p.review.body ?? '',
      };
    }
    case 'workflow_run.completed': {
      const p = shape(RunPayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      const r = p.workflow_run;
      return {
        kind: 'workflow-run', ...base(p), runId: r.id, runAttempt: r.run_attempt ?? 1, workflowPath: r.path, trigger: r.event,
        title: r.display_title ?? r.name ?? '', headBranch: r.head_branch, conclusion: r.conclusion,
      };
    }
    default:
      return ignored(`${key}: not an event this app acts on`);
  }
}
