// Pure: webhooks -> lifecycle events (src/lifecycle/machine.ts): which bead or convoy a webhook is about, and what happened to it.
import type { BeadEvent, ConvoyEvent, JobFailure, JobKind, Judge } from '../lifecycle/machine.js';
import { beadIdFromBranch, isBeadWorkflowPath, WORKFLOW_FILE, type JobKind as WorkflowJob } from './dispatch.js';
import type { EventOf } from './events.js';

export type LifecycleInput =
  | {
      kind: 'bead';
      beadId: string;
      event: BeadEvent;
      /** The convoy branch when the webhook names it; else found from the bead. */
      branch: string | null;
      /** The PR a review run judged (its run-name says "(PR #N)"), so its verdict can be read back from GitHub. */
      pr?: number | null;
    }
  | { kind: 'convoy'; branch: string; event: ConvoyEvent };

/** A bead workflow's run-name is "<kind> <bead> (...)" (see .github/workflows/*.yml). */
const RUN_TITLE_RE = /^([a-z-]+) (\S+) \(/;
const RUN_PR_RE = /[(, ]PR #(\d+)\)$/;
/** "attempt r1t2" inside the parentheses: the lifecycle attempt the run was dispatched for (machine.ts: attemptKey). */
const RUN_ATTEMPT_RE = /[(, ]attempt (r\d+t\d+)[,)]/;

/** GitHub's conclusions: success, failure, cancelled, timed_out, skipped, stale, neutral, action_required, startup_failure. */
export function jobOutcome(conclusion: string | null): 'success' | JobFailure {
  switch (conclusion) {
    case 'success':
      return 'success';
    case 'cancelled':
    case 'skipped':
    case 'stale':
      // A run that never did its work is retried like a cancelled one.
      return 'cancelled';
    case 'timed_out':
      return 'timed_out';
    default:
      return 'failure';
  }
}

/** A completed run of one of the app's bead workflows -> job succeeded / failed / cancelled / timed out for its bead. */
export function fromWorkflowRun(ev: EventOf<'workflow-run'>): LifecycleInput | null {
  if (ev.trigger !== 'workflow_dispatch' || !isBeadWorkflowPath(ev.workflowPath)) return null;
  const m = RUN_TITLE_RE.exec(ev.title);
  const file = ev.workflowPath.replace('.github/workflows/', '');
  const job = (Object.entries(WORKFLOW_FILE) as [WorkflowJob, string][]).find(([, f]) => f === file)?.[0];
  if (!m || !job || m[1] !== job) return null;
  const beadId = m[2]!;
  if (!beadIdFromBranch(`bead/${beadId}`)) return null;
  const outcome = jobOutcome(ev.conclusion);
  const kind = job as JobKind;
  // A run dispatched before runs were named by attempt (or by a person) says none: it counts for the current one.
  const attempt = RUN_ATTEMPT_RE.exec(ev.title)?.[1];
  const tag = attempt ? { attempt } : {};
  const event: BeadEvent =
    outcome === 'success'
      ? { type: 'jobSucceeded', job: kind, ...tag }
      : { type: 'jobFailed', job: kind, outcome, reason: `workflow run ${ev.runId} (run attempt ${ev.runAttempt}) ended ${ev.conclusion ?? 'without a conclusion'}`, ...tag };
  // Review runs go on the default branch; the others on the convoy branch.
  const pr = kind === 'refinery-review' ? Number(RUN_PR_RE.exec(ev.title)?.[1] ?? NaN) : NaN;
  return { kind: 'bead', beadId, event, branch: ev.headBranch?.startsWith('convoy/') ? ev.headBranch : null, pr: Number.isInteger(pr) ? pr : null };
}

export interface ReviewComment {
  path: string;
  line: number | null;
  body: string;
}

/** The feedback the next Polecat attempt gets: the review's text and each line comment with its place. */
export function reviewFeedback(body: string, comments: ReviewComment[]): string {
  const lines = comments.map((c) => `- ${c.path}${c.line ? `:${c.line}` : ''}: ${c.body.trim()}`);
  return [body.trim(), ...(lines.length ? ['', 'Line comments:', ...lines] : [])].join('\n').trim() || 'Changes requested (no comment given).';
}

/**
 * A submitted review on a bead PR into a convoy branch. Changes requested (by a person or by the Refinery's bot) sends
 * the bead back to a Polecat with the comments; an approval by a person counts as a passed review. Other states
 * (commented, dismissed) change nothing.
 */
export function fromReview(ev: EventOf<'pr-review'>, comments: ReviewComment[]): LifecycleInput | null {
  const beadId = beadIdFromBranch(ev.headRef);
  if (!beadId || !ev.baseRef.startsWith('convoy/')) return null;
  const event = verdictEvent(ev.state, ev.body, comments, ev.reviewer.isBot ? 'refinery' : 'human');
  return event ? { kind: 'bead', beadId, branch: ev.baseRef, event } : null;
}

/** A review's state (GitHub's, lower case) as the bead's event: changes requested or passed; null for the others. */
export function verdictEvent(state: string, body: string, comments: ReviewComment[], by: Judge): BeadEvent | null {
  if (state === 'changes_requested') return { type: 'changesRequested', by, feedback: reviewFeedback(body, comments) };
  if (state === 'approved') return { type: 'reviewPassed', by, summary: body.trim().slice(0, 300) || 'approved' };
  return null;
}

/** A closed PR: a bead PR into its convoy (merged or not), or the convoy's own PR into the default branch (merged). */
export function fromClosedPr(ev: EventOf<'pr-closed'>): LifecycleInput | null {
  if (ev.isFork) return null;
  const beadId = beadIdFromBranch(ev.headRef);
  if (beadId && ev.baseRef.startsWith('convoy/')) {
    return { kind: 'bead', beadId, branch: ev.baseRef, event: ev.merged ? { type: 'merged', pr: ev.prNumber } : { type: 'closedUnmerged', pr: ev.prNumber } };
  }
  if (ev.headRef.startsWith('convoy/') && ev.baseRef === ev.defaultBranch && ev.merged) return { kind: 'convoy', branch: ev.headRef, event: { type: 'convoyMerged' } };
  return null;
}
