// The bead's and the convoy's life as one pure state machine: (state, event) -> { state, effects } or a typed refusal.
//
// HOW A DRIVER USES IT (local `gth run-epic`, the runner's `gth job`, the GitHub app, `gth eval`):
//
//   1. Events come from whatever the driver observes: a role procedure's result (local, eval, runner job),
//      a webhook (workflow_run conclusion, pull_request_review, pull_request closed, issues unlabeled), a restart.
//      The driver never changes a bead's status itself: it feeds the event to `beadTransition` (through
//      `applyBeadEvent` in ./persist.ts, which runs it under the BeadStore's lock and writes status, lifecycle
//      fields and a history note atomically) and gets back either the new state plus effects, or a `Refusal`
//      (an event that makes no sense in the bead's state: logged and answered, never thrown deep inside).
//   2. The driver performs the effects through its `LifecycleEffects` (./effects.ts): `runJob` runs a role in
//      process (local, eval) or dispatches a runner workflow (GitHub app); `openPr`, `merge` and `deliverConvoy`
//      go to a `Delivery` (local: branches of a bare remote; GitHub: bead PRs and the convoy PR); `escalate` and
//      `comment` go to the driver's notifier (a log line locally, an issue comment on GitHub). Performing an effect
//      may yield follow-up events (a local job's result, a local merge), which go back into step 1.
//   3. After any bead event the driver calls `convoyTick(convoy, beads)`: it says which beads are ready to start
//      (`ready` events), which pending beads a stopped convoy cancels, and when every bead is done it asks for the
//      convoy's delivery. Convoy events (`unlabelled`, `relabelled`, `delivered`, `convoyMerged`) go to
//      `convoyTransition`.
//   4. Restart: everything the machine needs is in the bead and convoy files (status + `lifecycle`), so a restarted
//      driver feeds `resume` to every bead that is not finished (re-running the job of the current step, without
//      counting a try) and carries on. A driver whose jobs survive its restart (runner jobs) waits for their
//      conclusion instead of resuming them.
import type { Bead, BeadLife, Convoy, ConvoyLife, Role } from '../beads/schema.js';
import { readyBeads } from '../beads/graph.js';

/** The label a Polecat bead gets once the Refinery's tests for it are on the convoy branch. */
export const TESTS_WRITTEN = 'tests-written';

/** Jobs, named like the runner workflows' `gth job <kind>`; `crew` answers a crew bead's question. */
export const JOB_KINDS = ['refinery-tests', 'polecat', 'refinery-review', 'librarian', 'crew'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export type Step = BeadLife['step'];

/** Who judged a change. */
export type Judge = 'refinery' | 'human';

/** How a job ended without doing its work; `gave_up` means the role itself failed (no retry), the others are retried. */
export type JobFailure = 'failure' | 'cancelled' | 'timed_out' | 'gave_up';

export type BeadEvent =
  /** Every `blocks` dependency is done: start the bead's next step. */
  | { type: 'ready' }
  /** A restarted driver picks the bead up again: re-run the current step's job (no try counted). */
  | { type: 'resume' }
  | { type: 'testsWritten'; files: string[] }
  /** A Polecat's (or the Librarian's) branch is pushed with the tests green. */
  | { type: 'codePushed'; branch: string; model: string | null; note?: string }
  | { type: 'prOpened'; pr: number }
  | { type: 'reviewPassed'; by: Judge; summary: string }
  /** The Refinery or a human asked for changes; `feedback` goes to the next Polecat attempt. */
  | { type: 'changesRequested'; by: Judge; feedback: string }
  /** A convoy-check (refinery bead) or crew answer finished. */
  | { type: 'checked'; ok: boolean; note: string }
  /**
   * A runner job's run ended. `attempt` (attemptKey) names the attempt it was dispatched for, when its run says: a run
   * of an earlier attempt of the same job (a late completion, a re-run from the Actions page) is refused, not counted.
   */
  | { type: 'jobSucceeded'; job: JobKind; attempt?: string }
  | { type: 'jobFailed'; job: JobKind; outcome: JobFailure; reason: string; attempt?: string }
  | { type: 'merged'; pr?: number | null }
  | { type: 'closedUnmerged'; pr?: number | null }
  | { type: 'reopened'; by: string }
  /** Cancel a pending bead (a stopped convoy's open, blocked or failed beads). */
  | { type: 'cancel'; reason: string }
  /** A role asked the Crew a rig question mid-task: recorded in the history, no state change. */
  | { type: 'consulted'; role: Role; question: string; answer: string; found: boolean; citations: string[] };

export type ConvoyEvent =
  | { type: 'unlabelled' }
  | { type: 'relabelled' }
  | { type: 'delivered'; pr: number | null }
  | { type: 'convoyMerged' };

export interface RunJobEffect {
  type: 'runJob';
  beadId: string;
  job: JobKind;
  /** 1 for the first try of this step's job, then 2, 3... after failures. */
  try: number;
  /** Back-off before this try (0 for a first try). */
  delayMs: number;
  /** Review comments the Polecat must address (polecat jobs after changes were requested). */
  feedback: string | null;
}

export type Effect =
  | RunJobEffect
  | { type: 'openPr'; beadId: string; branch: string }
  | { type: 'merge'; beadId: string; branch: string; pr: number | null }
  /** The bead failed for good: tell the epic's owner which bead, after how many tries, and why. */
  | { type: 'escalate'; beadId: string; attempts: number; why: string }
  | { type: 'comment'; text: string }
  | { type: 'deliverConvoy'; convoyId: string }
  | { type: 'closeEpic'; convoyId: string };

/** The part of a bead the machine reads and writes. */
export type LifeBead = Pick<Bead, 'id' | 'role' | 'status' | 'labels' | 'files' | 'branch' | 'pr'> & {
  life: BeadLife;
  /** Model rounds on the attempt trail; an 'escalated' entry marks a move up the ladder, not a round. */
  modelAttempts: number;
};

export interface LifecyclePolicy {
  /** Tries of one job before the bead fails and is escalated. */
  maxTries: number;
  /** Back-off before the second try; doubles for each further try. */
  backoffMs: number;
  /** Rounds of requested changes a bead may go through; one more request fails it. */
  maxRevisions: number;
  /** Roles whose pushed branch the Refinery reviews before the merge (others merge straight away). */
  reviewRoles: readonly Role[];
}

export const DEFAULT_POLICY: LifecyclePolicy = { maxTries: 3, backoffMs: 30_000, maxRevisions: 2, reviewRoles: ['polecat'] };

export interface MachineContext {
  policy: LifecyclePolicy;
  now: Date;
  /** The convoy was stopped (epic unlabelled): nothing new starts; running jobs finish. */
  stopped: boolean;
  /**
   * Each job claims its bead itself: a bead whose next job is due waits `open` with `lifecycle.job` naming it, instead
   * of `in_progress`; the driver dispatches it once. Not used by the GitHub app and `gth job`: the app starts the
   * step (in_progress) before it dispatches, and the runner's job takes the bead held for it (no claim step).
   */
  jobsClaim?: boolean;
}

/** An event that does not fit the state: what the driver reports instead of moving anything. */
export interface Refusal {
  subject: string;
  state: string;
  event: string;
  reason: string;
}

export type Transition<S> = { ok: true; state: S; effects: Effect[]; note: string } | { ok: false; refusal: Refusal };

export function initialLife(): BeadLife {
  return { step: 'tests', job: null, tries: 0, revisions: 0, feedback: null, retryAt: null };
}

/** The bead as the machine sees it; a bead the engine never touched gets a fresh lifecycle. */
export function lifeBeadOf(bead: Bead): LifeBead {
  const { id, role, status, labels, files, branch, pr } = bead;
  return { id, role, status, labels, files, branch, pr, life: bead.lifecycle ?? { ...initialLife(), step: firstStep(bead) }, modelAttempts: bead.attempts.filter((a) => a.outcome !== 'escalated').length };
}

/** The first step of a role's path; a Polecat bead whose tests exist starts at the code. */
export function firstStep(bead: Pick<Bead, 'role' | 'labels'>): Step {
  switch (bead.role) {
    case 'polecat':
      return bead.labels.includes(TESTS_WRITTEN) ? 'code' : 'tests';
    case 'librarian':
      return 'docs';
    case 'refinery':
      return 'check';
    case 'crew':
      return 'answer';
    default:
      return 'tests';
  }
}

const STEP_JOB: Record<Step, JobKind | null> = {
  tests: 'refinery-tests',
  code: 'polecat',
  review: 'refinery-review',
  docs: 'librarian',
  check: 'refinery-tests',
  answer: 'crew',
  merge: null,
  done: null,
};

export function jobForStep(step: Step): JobKind | null {
  return STEP_JOB[step];
}

/** The attempt the current job runs as: revision and try (`r1t2`), dispatched once each and named by its run. */
export function attemptKey(life: Pick<BeadLife, 'revisions' | 'tries'>): string {
  return `r${life.revisions}t${life.tries + 1}`;
}

/** Why a run's end is not the current attempt's (same job, another attempt); null when it is, or does not say. */
function staleRun(life: BeadLife, event: { job: JobKind; attempt?: string }): string | null {
  if (event.attempt === undefined || life.job !== event.job || event.attempt === attemptKey(life)) return null;
  return `the run was attempt ${event.attempt} of the ${event.job} job, the current attempt is ${attemptKey(life)} (a late or re-run earlier attempt is not counted)`;
}

function backoff(policy: LifecyclePolicy, failedTries: number): number {
  return policy.backoffMs * 2 ** Math.max(0, failedTries - 1);
}

function describe(b: LifeBead): string {
  return `${b.status}/${b.life.step}${b.life.job ? ` (job ${b.life.job})` : ''}`;
}

function refuse(b: LifeBead, event: BeadEvent, reason: string): Transition<LifeBead> {
  return { ok: false, refusal: { subject: `bead ${b.id}`, state: describe(b), event: event.type, reason } };
}

function next(b: LifeBead, patch: Partial<Omit<LifeBead, 'life'>>, life: Partial<BeadLife>, effects: Effect[], note: string): Transition<LifeBead> {
  return { ok: true, state: { ...b, ...patch, life: { ...b.life, ...life } }, effects, note };
}

/** Starts the job of `step` (or, in a stopped convoy, leaves the bead waiting without one). */
function startStep(b: LifeBead, step: Step, patch: Partial<Omit<LifeBead, 'life'>>, ctx: MachineContext, note: string, reset: Partial<BeadLife> = {}): Transition<LifeBead> {
  const job = STEP_JOB[step];
  if (ctx.stopped || !job) {
    // Nothing new starts in a stopped convoy: the bead goes back to open, where the convoy cancels it.
    const status = b.status === 'review' ? 'review' : 'open';
    return next(b, { ...patch, status }, { ...reset, step, job: null, tries: 0, retryAt: null }, [], `${note}; convoy stopped, nothing new starts`);
  }
  const status = step === 'review' ? 'review' : 'in_progress';
  const feedback = reset.feedback !== undefined ? reset.feedback : b.life.feedback;
  const effect: RunJobEffect = { type: 'runJob', beadId: b.id, job, try: 1, delayMs: 0, feedback: step === 'code' ? feedback : null };
  return next(b, { ...patch, status }, { ...reset, step, job, tries: 0, retryAt: null }, [effect], note);
}

function fail(b: LifeBead, attempts: number, why: string, life: Partial<BeadLife> = {}): Transition<LifeBead> {
  return next(b, { status: 'failed' }, { ...life, job: null, retryAt: null }, [{ type: 'escalate', beadId: b.id, attempts, why }], `failed: ${why}`);
}

const ACTIVE = new Set(['in_progress', 'review']);

/** One bead event. Pure: the same bead, event and context always give the same answer. */
export function beadTransition(b: LifeBead, event: BeadEvent, ctx: MachineContext): Transition<LifeBead> {
  const t = transition(b, event, ctx);
  // Jobs that claim their bead find it open with the job due (a bead in review cannot go back to open: it stays in progress).
  if (ctx.jobsClaim && t.ok && t.state.status === 'in_progress' && b.status !== 'review' && t.effects.some((e) => e.type === 'runJob')) {
    return { ...t, state: { ...t.state, status: 'open' } };
  }
  return t;
}

function transition(b: LifeBead, event: BeadEvent, ctx: MachineContext): Transition<LifeBead> {
  const { life } = b;
  switch (event.type) {
    case 'ready': {
      if (b.status !== 'open') return refuse(b, event, `only an open bead can start; this one is ${b.status}`);
      if (life.job) return refuse(b, event, `its ${life.job} job is already due (dispatched once)`);
      if (ctx.stopped) return refuse(b, event, 'the convoy is stopped: nothing new starts');
      if (!b.role || b.role === 'mayor') return refuse(b, event, `no procedure for a bead with role ${b.role ?? 'none'}`);
      const step = life.step === 'done' || life.step === 'merge' || life.step === 'review' ? firstStep(b) : life.step;
      return startStep(b, step, {}, ctx, `started: ${STEP_JOB[step]}`);
    }
    case 'resume': {
      if (b.status === 'open') return transition(b, { type: 'ready' }, ctx);
      if (!ACTIVE.has(b.status)) return refuse(b, event, `nothing to resume: the bead is ${b.status}`);
      if (life.step === 'merge') {
        if (!b.branch) return refuse(b, event, 'waiting for the merge but the bead names no branch');
        return next(b, {}, {}, [{ type: 'merge', beadId: b.id, branch: b.branch, pr: b.pr }], 'resumed: merging again');
      }
      if (ctx.stopped) return next(b, {}, { job: null }, [], 'resumed in a stopped convoy: nothing new starts');
      const job = STEP_JOB[life.step];
      if (!job) return refuse(b, event, `step ${life.step} has no job to resume`);
      return next(b, {}, { job }, [{ type: 'runJob', beadId: b.id, job, try: life.tries + 1, delayMs: 0, feedback: life.step === 'code' ? life.feedback : null }], `resumed: the run working on it was interrupted; ${job} again`);
    }
    case 'testsWritten': {
      if (b.status !== 'in_progress' || life.step !== 'tests') return refuse(b, event, 'tests are written at the tests step of an in-progress bead');
      const patch = { labels: b.labels.includes(TESTS_WRITTEN) ? b.labels : [...b.labels, TESTS_WRITTEN], files: [...new Set([...b.files, ...event.files])] };
      return startStep(b, 'code', patch, ctx, `tests written: ${event.files.join(', ')}`);
    }
    case 'codePushed': {
      if (b.status !== 'in_progress' || (life.step !== 'code' && life.step !== 'docs')) return refuse(b, event, 'code is pushed at the code or docs step of an in-progress bead');
      const note = event.note ?? `pushed ${event.branch}${event.model ? ` (${event.model})` : ''}`;
      const open: Effect = { type: 'openPr', beadId: b.id, branch: event.branch };
      const patch = { status: 'review' as const, branch: event.branch };
      if (b.role && ctx.policy.reviewRoles.includes(b.role)) {
        if (ctx.stopped) return next(b, patch, { step: 'review', job: null, tries: 0, retryAt: null }, [open], `${note}; convoy stopped: no review started`);
        return next(b, patch, { step: 'review', job: 'refinery-review', tries: 0, retryAt: null }, [open, { type: 'runJob', beadId: b.id, job: 'refinery-review', try: 1, delayMs: 0, feedback: null }], note);
      }
      return next(b, patch, { step: 'merge', job: null, tries: 0, retryAt: null }, [open, { type: 'merge', beadId: b.id, branch: event.branch, pr: b.pr }], note);
    }
    case 'prOpened': {
      if (!ACTIVE.has(b.status)) return refuse(b, event, `a PR belongs to a bead in progress or review; this one is ${b.status}`);
      return next(b, { pr: event.pr }, {}, [], `PR #${event.pr}`);
    }
    case 'reviewPassed': {
      if (b.status !== 'review' || life.step !== 'review') return refuse(b, event, 'a review passes at the review step');
      if (!b.branch) return refuse(b, event, 'the bead names no branch to merge');
      return next(b, {}, { step: 'merge', job: null, tries: 0, retryAt: null, feedback: null }, [{ type: 'merge', beadId: b.id, branch: b.branch, pr: b.pr }], `approved by ${event.by}: ${event.summary}`);
    }
    case 'changesRequested': {
      if (b.status !== 'review' || (life.step !== 'review' && life.step !== 'merge')) return refuse(b, event, 'changes are requested on a bead in review');
      const round = life.revisions + 1;
      if (round > ctx.policy.maxRevisions) return fail(b, round, `changes requested ${round} time(s) by ${event.by}, more than the ${ctx.policy.maxRevisions} revision(s) allowed; last: ${event.feedback.slice(0, 300)}`, { feedback: event.feedback });
      if (ctx.stopped) return next(b, {}, { job: null, feedback: event.feedback }, [], `changes requested by ${event.by}; convoy stopped: no new attempt`);
      return startStep(b, 'code', {}, ctx, `changes requested by ${event.by} (revision ${round})`, { revisions: round, feedback: event.feedback });
    }
    case 'checked': {
      if (b.status !== 'in_progress' || (life.step !== 'check' && life.step !== 'answer')) return refuse(b, event, 'a check result belongs to the check or answer step');
      if (event.ok) return next(b, { status: 'done' }, { step: 'done', job: null, tries: 0, retryAt: null }, [], event.note);
      return fail(b, life.tries + 1, event.note);
    }
    case 'jobSucceeded': {
      const stale = staleRun(life, event);
      if (stale) return refuse(b, event, stale);
      // A job that ended well but left its step where it was reported nothing: without this the bead would stay in progress forever.
      if (ACTIVE.has(b.status) && life.job === event.job) return jobFailed(b, { type: 'jobFailed', job: event.job, outcome: 'failure', reason: `the ${event.job} job ended without reporting a result` }, ctx);
      return next(b, {}, {}, [], `${event.job} job finished`);
    }
    case 'jobFailed':
      return jobFailed(b, event, ctx);
    case 'merged': {
      if (!ACTIVE.has(b.status)) return refuse(b, event, `only a bead in progress or review is merged; this one is ${b.status}`);
      return next(b, { status: 'done', pr: event.pr ?? b.pr }, { step: 'done', job: null, tries: 0, retryAt: null, feedback: null }, [], event.pr ? `PR #${event.pr} merged` : 'merged into the convoy branch');
    }
    case 'closedUnmerged': {
      if (!ACTIVE.has(b.status)) return refuse(b, event, `only a bead in progress or review has an open PR; this one is ${b.status}`);
      return fail(b, life.revisions + 1, `PR #${event.pr ?? b.pr ?? '?'} was closed without merging`);
    }
    case 'reopened': {
      if (b.status === 'open' || ACTIVE.has(b.status)) return refuse(b, event, `the bead is ${b.status}, not finished`);
      return next(b, { status: 'open' }, { ...initialLife(), step: firstStep(b) }, [], `reopened by ${event.by}`);
    }
    case 'cancel': {
      if (b.status !== 'open' && b.status !== 'blocked' && b.status !== 'failed') return refuse(b, event, `only a pending bead is cancelled (a running job is left to finish); this one is ${b.status}`);
      return next(b, { status: 'cancelled' }, { job: null, retryAt: null }, [], `cancelled: ${event.reason}`);
    }
    case 'consulted': {
      if (!ACTIVE.has(b.status)) return refuse(b, event, `only a bead being worked on consults the Crew; this one is ${b.status}`);
      const cited = event.citations.length ? ` [${event.citations.join(', ')}]` : '';
      return next(b, {}, {}, [], `${event.role} asked the Crew: ${event.question.slice(0, 200)} -> ${event.found ? '' : '(not found) '}${event.answer.slice(0, 300)}${cited}`);
    }
  }
}

function jobFailed(b: LifeBead, event: Extract<BeadEvent, { type: 'jobFailed' }>, ctx: MachineContext): Transition<LifeBead> {
  const { life } = b;
  if (!ACTIVE.has(b.status) || STEP_JOB[life.step] !== event.job) return refuse(b, event, `no ${event.job} job belongs to the bead's current step`);
  const stale = staleRun(life, event);
  if (stale) return refuse(b, event, stale);
  const tries = life.tries + 1;
  const why = `${event.job} ${event.outcome.replace('_', ' ')}: ${event.reason}`;
  if (event.outcome === 'gave_up') return fail(b, Math.max(tries, b.modelAttempts), why, { tries });
  if (tries >= ctx.policy.maxTries) return fail(b, tries, `${why} (${tries} of ${ctx.policy.maxTries} tries)`, { tries });
  if (ctx.stopped) {
    const status = b.status === 'in_progress' ? 'open' : b.status;
    return next(b, { status }, { tries, job: null, retryAt: null }, [], `${why}; convoy stopped: no retry`);
  }
  const delayMs = backoff(ctx.policy, tries);
  const retryAt = new Date(ctx.now.getTime() + delayMs).toISOString();
  const effect: RunJobEffect = { type: 'runJob', beadId: b.id, job: event.job, try: tries + 1, delayMs, feedback: life.step === 'code' ? life.feedback : null };
  return next(b, {}, { tries, job: event.job, retryAt }, [effect], `${why}; try ${tries + 1} of ${ctx.policy.maxTries} in ${Math.round(delayMs / 1000)} s`);
}

// ---- convoy ----

export type LifeConvoy = Pick<Convoy, 'id'> & { life: ConvoyLife };

export function lifeConvoyOf(convoy: Convoy): LifeConvoy {
  return { id: convoy.id, life: convoy.lifecycle ?? { status: 'running', pr: null } };
}

function refuseConvoy(c: LifeConvoy, event: ConvoyEvent, reason: string): Transition<LifeConvoy> {
  return { ok: false, refusal: { subject: `convoy ${c.id}`, state: c.life.status, event: event.type, reason } };
}

export function convoyTransition(c: LifeConvoy, event: ConvoyEvent): Transition<LifeConvoy> {
  const at = (life: Partial<ConvoyLife>, effects: Effect[], note: string): Transition<LifeConvoy> => ({ ok: true, state: { ...c, life: { ...c.life, ...life } }, effects, note });
  switch (event.type) {
    case 'unlabelled':
      if (c.life.status !== 'running') return refuseConvoy(c, event, `only a running convoy is stopped; this one is ${c.life.status}`);
      return at({ status: 'stopped' }, [{ type: 'comment', text: 'The epic label was removed: pending beads are cancelled, running jobs finish.' }], 'stopped: epic unlabelled');
    case 'relabelled':
      if (c.life.status !== 'stopped') return refuseConvoy(c, event, `only a stopped convoy restarts; this one is ${c.life.status}`);
      return at({ status: 'running' }, [], 'running again: epic labelled');
    case 'delivered':
      if (c.life.status !== 'running') return refuseConvoy(c, event, `only a running convoy is delivered; this one is ${c.life.status}`);
      return at({ status: 'delivered', pr: event.pr }, [], event.pr ? `delivered: PR #${event.pr}` : 'delivered');
    case 'convoyMerged':
      if (c.life.status !== 'delivered') return refuseConvoy(c, event, `only a delivered convoy is merged; this one is ${c.life.status}`);
      return at({ status: 'closed' }, [{ type: 'closeEpic', convoyId: c.id }], 'convoy merged: epic closed');
  }
}

export interface Tick {
  /** Events the driver feeds to beads next (`ready` or `cancel`). */
  events: { beadId: string; event: BeadEvent }[];
  effects: Effect[];
  /** Every bead done (or cancelled, with at least one done). */
  finished: boolean;
}

/** What the convoy wants next, from its beads: starts, cancellations, or its delivery. */
export function convoyTick(c: LifeConvoy, beads: readonly Bead[]): Tick {
  const finished = beads.length > 0 && beads.every((b) => b.status === 'done' || b.status === 'cancelled') && beads.some((b) => b.status === 'done');
  if (c.life.status === 'stopped') {
    const pending = beads.filter((b) => b.status === 'open' || b.status === 'blocked' || (b.status === 'failed' && !b.lifecycle?.job));
    return { events: pending.map((b) => ({ beadId: b.id, event: { type: 'cancel', reason: 'the convoy was stopped' } })), effects: [], finished };
  }
  if (c.life.status !== 'running') return { events: [], effects: [], finished };
  if (finished) return { events: [], effects: [{ type: 'deliverConvoy', convoyId: c.id }], finished };
  // A bead whose job is already due (jobsClaim drivers) was dispatched once: it is not started again.
  const ready = readyBeads([...beads]).filter((b) => b.role && b.role !== 'mayor' && !b.lifecycle?.job);
  return { events: ready.map((b) => ({ beadId: b.id, event: { type: 'ready' } })), effects: [], finished };
}
