// Turns one webhook (name + payload) into a typed GithubEvent, once, so handlers never dig into raw payloads.
import { z } from 'zod';

const Repo = z.looseObject({ name: z.string(), full_name: z.string(), owner: z.looseObject({ login: z.string() }) });
const Sender = z.looseObject({ login: z.string(), type: z.string() });
const Installation = z.looseObject({ id: z.int() });

export const RepoRef = z.strictObject({ owner: z.string(), repo: z.string() });
export const Actor = z.strictObject({ login: z.string(), isBot: z.boolean() });
const Base = { repo: RepoRef, installationId: z.int(), sender: Actor };

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
    kind: z.literal('pr-merged'),
    ...Base,
    prNumber: z.int(),
    headRef: z.string(),
    baseRef: z.string(),
    isFork: z.boolean(),
  }),
  z.strictObject({
    kind: z.literal('pr-review'),
    ...Base,
    prNumber: z.int(),
    state: z.string(),
    headRef: z.string(),
    body: z.string(),
  }),
  z.strictObject({
    kind: z.literal('workflow-run'),
    ...Base,
    runId: z.int(),
    workflowPath: z.string(),
    headBranch: z.string().nullable(),
    conclusion: z.string().nullable(),
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
const ReviewPayload = PrPayload.extend({ review: z.looseObject({ state: z.string(), body: z.string().nullable().optional() }) });
const RunPayload = Common.extend({
  workflow_run: z.looseObject({ id: z.int(), path: z.string(), head_branch: z.string().nullable(), conclusion: z.string().nullable() }),
});

function ignored(reason: string): GithubEvent {
  return { kind: 'ignored', reason };
}

function shape<S extends z.ZodType>(schema: S, payload: unknown, what: string): z.infer<S> | string {
  const r = schema.safeParse(payload);
  return r.success ? r.data : `malformed ${what} payload: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
}

function base(p: z.infer<typeof Common>) {
  return {
    repo: { owner: p.repository.owner.login, repo: p.repository.name },
    installationId: p.installation!.id,
    sender: { login: p.sender.login, isBot: p.sender.type === 'Bot' || p.sender.login.endsWith('[bot]') },
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
      if (!pr.merged) return ignored(`pull request #${pr.number} closed without merging`);
      const isFork = pr.head.repo === null || pr.head.repo.full_name !== pr.base.repo.full_name;
      return { kind: 'pr-merged', ...base(p), prNumber: pr.number, headRef: pr.head.ref, baseRef: pr.base.ref, isFork };
    }
    case 'pull_request_review.submitted': {
      const p = shape(ReviewPayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      return {
        kind: 'pr-review', ...base(p), prNumber: p.pull_request.number, state: p.review.state,
        headRef: p.pull_request.head.ref, body: p.review.body ?? '',
      };
    }
    case 'workflow_run.completed': {
      const p = shape(RunPayload, payload, key);
      if (typeof p === 'string') return ignored(p);
      const r = p.workflow_run;
      return { kind: 'workflow-run', ...base(p), runId: r.id, workflowPath: r.path, headBranch: r.head_branch, conclusion: r.conclusion };
    }
    default:
      return ignored(`${key}: not an event this app acts on`);
  }
}
