import { describe, it, expect } from 'vitest';
import {
  beadTransition,
  convoyTick,
  convoyTransition,
  DEFAULT_POLICY,
  attemptKey,
  jobForStep,
  lifeBeadOf,
  TESTS_WRITTEN,
  type BeadEvent,
  type ConvoyEvent,
  type LifeBead,
  type LifeConvoy,
  type MachineContext,
} from '../../../src/lifecycle/machine.js';
import { Bead, type BeadLife, type Status } from '../../../src/beads/schema.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const ctx: MachineContext = { policy: DEFAULT_POLICY, now: NOW, stopped: false };
const stopped: MachineContext = { ...ctx, stopped: true };

function bead(status: Status, life: Partial<BeadLife>, extra: Partial<LifeBead> = {}): LifeBead {
  return {
    id: 'ab-1234',
    role: 'polecat',
    status,
    labels: [],
    files: ['scripts/a.gd'],
    branch: null,
    pr: null,
    modelAttempts: 0,
    life: { step: 'tests', job: null, tries: 0, revisions: 0, feedback: null, retryAt: null, ...life },
    ...extra,
  };
}

/** One bead per state the machine distinguishes. */
const STATES: Record<string, LifeBead> = {
  open_tests: bead('open', { step: 'tests' }),
  open_code: bead('open', { step: 'code' }, { labels: [TESTS_WRITTEN] }),
  ip_tests: bead('in_progress', { step: 'tests', job: 'refinery-tests' }),
  ip_code: bead('in_progress', { step: 'code', job: 'polecat' }, { labels: [TESTS_WRITTEN] }),
  ip_docs: bead('in_progress', { step: 'docs', job: 'librarian' }, { role: 'librarian' }),
  ip_check: bead('in_progress', { step: 'check', job: 'refinery-tests' }, { role: 'refinery' }),
  ip_answer: bead('in_progress', { step: 'answer', job: 'crew' }, { role: 'crew' }),
  rv_review: bead('review', { step: 'review', job: 'refinery-review' }, { branch: 'polecat/ab-1234', pr: 7 }),
  rv_merge: bead('review', { step: 'merge' }, { branch: 'polecat/ab-1234', pr: 7 }),
  done: bead('done', { step: 'done' }),
  failed: bead('failed', { step: 'code' }),
  cancelled: bead('cancelled', { step: 'tests' }),
  blocked: bead('blocked', { step: 'tests' }),
};

/** Every event, for a bead in a given state (job events name the job of the bead's current step). */
function events(b: LifeBead): Record<string, BeadEvent> {
  const job = jobForStep(b.life.step) ?? 'polecat';
  return {
    ready: { type: 'ready' },
    resume: { type: 'resume' },
    testsWritten: { type: 'testsWritten', files: ['test/test_a.gd'] },
    codePushed: { type: 'codePushed', branch: 'polecat/ab-1234', model: 'local:m' },
    prOpened: { type: 'prOpened', pr: 9 },
    reviewPassed: { type: 'reviewPassed', by: 'refinery', summary: 'fine' },
    changesRequested: { type: 'changesRequested', by: 'human', feedback: 'rename x' },
    checkedOk: { type: 'checked', ok: true, note: 'convoy tests pass' },
    checkedBad: { type: 'checked', ok: false, note: 'convoy tests fail' },
    jobSucceeded: { type: 'jobSucceeded', job },
    jobFailed: { type: 'jobFailed', job, outcome: 'cancelled', reason: 'runner cancelled' },
    jobGaveUp: { type: 'jobFailed', job, outcome: 'gave_up', reason: 'no model made the tests pass' },
    merged: { type: 'merged', pr: 7 },
    closedUnmerged: { type: 'closedUnmerged', pr: 7 },
    reopened: { type: 'reopened', by: 'human' },
    cancel: { type: 'cancel', reason: 'convoy stopped' },
    consulted: { type: 'consulted', role: 'polecat', question: 'Where are signals declared?', answer: 'In scripts/', found: true, citations: ['README.md'] },
  };
}

type Expect = [status: Status, step: BeadLife['step'], effects: string[]];
const NOOP = 'same';

/** The legal transitions; every (state, event) pair not listed here must be refused. */
const LEGAL: Record<string, Record<string, Expect | typeof NOOP>> = {
  open_tests: { ready: ['in_progress', 'tests', ['runJob']], resume: ['in_progress', 'tests', ['runJob']], cancel: ['cancelled', 'tests', []], jobSucceeded: NOOP },
  open_code: { ready: ['in_progress', 'code', ['runJob']], resume: ['in_progress', 'code', ['runJob']], cancel: ['cancelled', 'code', []], jobSucceeded: NOOP },
  ip_tests: {
    resume: ['in_progress', 'tests', ['runJob']],
    testsWritten: ['in_progress', 'code', ['runJob']],
    prOpened: NOOP,
    jobSucceeded: ['in_progress', 'tests', ['runJob']],
    jobFailed: ['in_progress', 'tests', ['runJob']],
    jobGaveUp: ['failed', 'tests', ['escalate']],
    merged: ['done', 'done', []],
    closedUnmerged: ['failed', 'tests', ['escalate']],
    consulted: NOOP,
  },
  ip_code: {
    resume: ['in_progress', 'code', ['runJob']],
    codePushed: ['review', 'review', ['openPr', 'runJob']],
    prOpened: NOOP,
    jobSucceeded: ['in_progress', 'code', ['runJob']],
    jobFailed: ['in_progress', 'code', ['runJob']],
    jobGaveUp: ['failed', 'code', ['escalate']],
    merged: ['done', 'done', []],
    closedUnmerged: ['failed', 'code', ['escalate']],
    consulted: NOOP,
  },
  ip_docs: {
    resume: ['in_progress', 'docs', ['runJob']],
    codePushed: ['review', 'merge', ['openPr', 'merge']],
    prOpened: NOOP,
    jobSucceeded: ['in_progress', 'docs', ['runJob']],
    jobFailed: ['in_progress', 'docs', ['runJob']],
    jobGaveUp: ['failed', 'docs', ['escalate']],
    merged: ['done', 'done', []],
    closedUnmerged: ['failed', 'docs', ['escalate']],
    consulted: NOOP,
  },
  ...Object.fromEntries(
    (['ip_check', 'ip_answer'] as const).map((s) => {
      const step = STATES[s]!.life.step;
      return [
        s,
        {
          resume: ['in_progress', step, ['runJob']],
          checkedOk: ['done', 'done', []],
          checkedBad: ['failed', step, ['escalate']],
          prOpened: NOOP,
          jobSucceeded: ['in_progress', step, ['runJob']],
          jobFailed: ['in_progress', step, ['runJob']],
          jobGaveUp: ['failed', step, ['escalate']],
          merged: ['done', 'done', []],
          closedUnmerged: ['failed', step, ['escalate']],
          consulted: NOOP,
        },
      ];
    }),
  ),
  rv_review: {
    resume: ['review', 'review', ['runJob']],
    prOpened: NOOP,
    reviewPassed: ['review', 'merge', ['merge']],
    changesRequested: ['in_progress', 'code', ['runJob']],
    jobSucceeded: ['review', 'review', ['runJob']],
    jobFailed: ['review', 'review', ['runJob']],
    jobGaveUp: ['failed', 'review', ['escalate']],
    merged: ['done', 'done', []],
    closedUnmerged: ['failed', 'review', ['escalate']],
    consulted: NOOP,
  },
  rv_merge: {
    resume: ['review', 'merge', ['merge']],
    prOpened: NOOP,
    changesRequested: ['in_progress', 'code', ['runJob']],
    jobSucceeded: NOOP,
    merged: ['done', 'done', []],
    closedUnmerged: ['failed', 'merge', ['escalate']],
    consulted: NOOP,
  },
  done: { reopened: ['open', 'tests', []], jobSucceeded: NOOP },
  failed: { reopened: ['open', 'tests', []], cancel: ['cancelled', 'code', []], jobSucceeded: NOOP },
  cancelled: { reopened: ['open', 'tests', []], jobSucceeded: NOOP },
  blocked: { reopened: ['open', 'tests', []], cancel: ['cancelled', 'tests', []], jobSucceeded: NOOP },
};

describe('bead state machine: every state x every event', () => {
  const cases = Object.entries(STATES).flatMap(([name, b]) => Object.entries(events(b)).map(([ev, e]) => ({ name, b, ev, e })));
  it.each(cases)('$name + $ev', ({ name, b, ev, e }) => {
    const expected = LEGAL[name]?.[ev];
    const t = beadTransition(b, e, ctx);
    if (expected === undefined) {
      expect(t.ok).toBe(false);
      if (!t.ok) {
        expect(t.refusal.subject).toBe('bead ab-1234');
        expect(t.refusal.event).toBe(e.type);
        expect(t.refusal.state).toContain(b.status);
        expect(t.refusal.reason.length).toBeGreaterThan(5);
      }
      return;
    }
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    if (expected === NOOP) {
      expect(t.state.status).toBe(b.status);
      expect(t.state.life.step).toBe(b.life.step);
      expect(t.effects).toEqual([]);
    } else {
      const [status, step, effects] = expected;
      expect(t.state.status).toBe(status);
      expect(t.state.life.step).toBe(step);
      expect(t.effects.map((x) => x.type)).toEqual(effects);
    }
    expect(t.note.length).toBeGreaterThan(3);
  });
});

describe('bead state machine: what the effects and state carry', () => {
  it('tests written labels the bead, adds the test files and starts the Polecat', () => {
    const t = beadTransition(STATES.ip_tests!, { type: 'testsWritten', files: ['test/test_a.gd'] }, ctx);
    if (!t.ok) throw new Error('refused');
    expect(t.state.labels).toContain(TESTS_WRITTEN);
    expect(t.state.files).toEqual(['scripts/a.gd', 'test/test_a.gd']);
    expect(t.effects).toEqual([{ type: 'runJob', beadId: 'ab-1234', job: 'polecat', try: 1, delayMs: 0, feedback: null }]);
  });

  it('changes requested carry the feedback into the next Polecat job and count a revision', () => {
    const t = beadTransition(STATES.rv_review!, { type: 'changesRequested', by: 'refinery', feedback: 'scripts/a.gd:3: use typed arrays' }, ctx);
    if (!t.ok) throw new Error('refused');
    expect(t.state.life).toMatchObject({ step: 'code', revisions: 1, feedback: 'scripts/a.gd:3: use typed arrays', job: 'polecat' });
    expect(t.effects).toEqual([{ type: 'runJob', beadId: 'ab-1234', job: 'polecat', try: 1, delayMs: 0, feedback: 'scripts/a.gd:3: use typed arrays' }]);
    // Once the revision is pushed and approved, the feedback is spent.
    const pushed = beadTransition(t.state, { type: 'codePushed', branch: 'polecat/ab-1234', model: 'm' }, ctx);
    if (!pushed.ok) throw new Error('refused');
    const passed = beadTransition(pushed.state, { type: 'reviewPassed', by: 'refinery', summary: 'ok' }, ctx);
    if (!passed.ok) throw new Error('refused');
    expect(passed.state.life.feedback).toBeNull();
    expect(passed.effects).toEqual([{ type: 'merge', beadId: 'ab-1234', branch: 'polecat/ab-1234', pr: 7 }]);
  });

  it('more requests than the policy allows fail the bead with an escalation naming the rounds and the last feedback', () => {
    const b = bead('review', { step: 'review', job: 'refinery-review', revisions: DEFAULT_POLICY.maxRevisions }, { branch: 'polecat/ab-1234' });
    const t = beadTransition(b, { type: 'changesRequested', by: 'human', feedback: 'still wrong' }, ctx);
    if (!t.ok) throw new Error('refused');
    expect(t.state.status).toBe('failed');
    expect(t.effects).toEqual([{ type: 'escalate', beadId: 'ab-1234', attempts: 3, why: expect.stringMatching(/changes requested 3 time\(s\) by human.*still wrong/) }]);
  });

  it('a failed job is retried with a doubling back-off, then fails the bead with an escalation', () => {
    let b = STATES.ip_code!;
    const delays: number[] = [];
    for (let i = 0; i < DEFAULT_POLICY.maxTries; i++) {
      const t = beadTransition(b, { type: 'jobFailed', job: 'polecat', outcome: i === 0 ? 'timed_out' : 'failure', reason: 'runner lost' }, ctx);
      if (!t.ok) throw new Error('refused');
      b = t.state;
      const run = t.effects.find((e) => e.type === 'runJob');
      if (run && run.type === 'runJob') {
        delays.push(run.delayMs);
        expect(run.try).toBe(i + 2);
        expect(b.life.retryAt).toBe(new Date(NOW.getTime() + run.delayMs).toISOString());
      } else {
        expect(b.status).toBe('failed');
        expect(t.effects).toEqual([{ type: 'escalate', beadId: 'ab-1234', attempts: 3, why: expect.stringContaining('3 of 3 tries') }]);
      }
    }
    expect(delays).toEqual([DEFAULT_POLICY.backoffMs, DEFAULT_POLICY.backoffMs * 2]);
  });

  it('an escalation counts model rounds, not the trail\'s "escalated" markers (a move up the ladder)', () => {
    const at = NOW.toISOString();
    const round = (n: number, outcome: 'fail' | 'escalated') => ({ n, at, agent: 'polecat-ab-1234', model: 'qwen', outcome });
    const full = Bead.parse({
      id: 'ab-1234', title: 'Combo bonus', role: 'polecat', status: 'in_progress', labels: [TESTS_WRITTEN], createdAt: at, updatedAt: at,
      attempts: [round(1, 'fail'), round(2, 'escalated'), round(3, 'fail')],
      lifecycle: { step: 'code', job: 'polecat' },
    });
    const b = lifeBeadOf(full);
    expect(b.modelAttempts).toBe(2);
    const t = beadTransition(b, { type: 'jobFailed', job: 'polecat', outcome: 'gave_up', reason: 'no green run' }, ctx);
    if (!t.ok) throw new Error('refused');
    expect(t.effects).toEqual([{ type: 'escalate', beadId: 'ab-1234', attempts: 2, why: expect.stringContaining('no green run') }]);
  });

  it('a job event for another step is refused (a late conclusion of an old job moves nothing)', () => {
    const t = beadTransition(STATES.rv_review!, { type: 'jobFailed', job: 'polecat', outcome: 'cancelled', reason: 'x' }, ctx);
    expect(t.ok).toBe(false);
  });

  it('a run of an earlier attempt of the same job is refused; the current attempt\'s run, or one naming none, counts', () => {
    // Review of revision 1 in flight (its first try); the revision-0 review's run ends late, or is re-run by hand.
    const review = bead('review', { step: 'review', job: 'refinery-review', revisions: 1 }, { branch: 'polecat/ab-1234', pr: 7 });
    expect(attemptKey(review.life)).toBe('r1t1');
    for (const late of [
      { type: 'jobSucceeded', job: 'refinery-review', attempt: 'r0t1' },
      { type: 'jobFailed', job: 'refinery-review', outcome: 'cancelled', reason: 'superseded', attempt: 'r0t1' },
    ] satisfies BeadEvent[]) {
      const t = beadTransition(review, late, ctx);
      expect(t.ok, late.type).toBe(false);
      if (!t.ok) expect(t.refusal.reason).toContain('attempt r0t1 of the refinery-review job, the current attempt is r1t1');
    }
    const current = beadTransition(review, { type: 'jobFailed', job: 'refinery-review', outcome: 'failure', reason: 'x', attempt: 'r1t1' }, ctx);
    expect(current.ok && current.state.life.tries).toBe(1);
    const unnamed = beadTransition(review, { type: 'jobSucceeded', job: 'refinery-review' }, ctx);
    expect(unnamed.ok && unnamed.state.life.tries).toBe(1); // ended without a verdict: a failed try, as before
    // After one failed try the next run is t2: the first try's failure arriving again (a second delivery) is not counted twice.
    const retried = beadTransition(STATES.ip_code!, { type: 'jobFailed', job: 'polecat', outcome: 'failure', reason: 'x', attempt: 'r0t1' }, ctx);
    if (!retried.ok) throw new Error('refused');
    expect(attemptKey(retried.state.life)).toBe('r0t2');
    expect(beadTransition(retried.state, { type: 'jobFailed', job: 'polecat', outcome: 'failure', reason: 'x', attempt: 'r0t1' }, ctx).ok).toBe(false);
  });

  it('reopening resets tries, revisions and feedback and restarts from the role path', () => {
    const b = bead('failed', { step: 'code', tries: 3, revisions: 2, feedback: 'x' }, { labels: [TESTS_WRITTEN] });
    const t = beadTransition(b, { type: 'reopened', by: 'human' }, ctx);
    if (!t.ok) throw new Error('refused');
    expect(t.state.life).toEqual({ step: 'code', job: null, tries: 0, revisions: 0, feedback: null, retryAt: null });
  });

  it('a crew consultation is a note in the history and changes nothing', () => {
    const t = beadTransition(STATES.ip_code!, { type: 'consulted', role: 'polecat', question: 'Which signal?', answer: 'not in the rig\'s docs', found: false, citations: [] }, ctx);
    if (!t.ok) throw new Error('refused');
    expect(t.state).toEqual(STATES.ip_code);
    expect(t.note).toMatch(/polecat asked the Crew: Which signal\? -> \(not found\)/);
  });
});

describe('bead state machine in a stopped convoy: nothing new starts, running jobs finish', () => {
  it('refuses to start a ready bead', () => {
    expect(beadTransition(STATES.open_tests!, { type: 'ready' }, stopped).ok).toBe(false);
  });
  it('tests written go back to open without a Polecat job', () => {
    const t = beadTransition(STATES.ip_tests!, { type: 'testsWritten', files: ['test/t.gd'] }, stopped);
    if (!t.ok) throw new Error('refused');
    expect(t.state.status).toBe('open');
    expect(t.state.life).toMatchObject({ step: 'code', job: null });
    expect(t.effects).toEqual([]);
  });
  it('a pushed branch still gets its PR, but no review starts', () => {
    const t = beadTransition(STATES.ip_code!, { type: 'codePushed', branch: 'polecat/ab-1234', model: null }, stopped);
    if (!t.ok) throw new Error('refused');
    expect(t.state.status).toBe('review');
    expect(t.effects.map((e) => e.type)).toEqual(['openPr']);
  });
  it('a failed job is not retried and the bead goes back to open', () => {
    const t = beadTransition(STATES.ip_code!, { type: 'jobFailed', job: 'polecat', outcome: 'failure', reason: 'x' }, stopped);
    if (!t.ok) throw new Error('refused');
    expect(t.state.status).toBe('open');
    expect(t.effects).toEqual([]);
  });
  it('requested changes are kept as feedback without a new attempt', () => {
    const t = beadTransition(STATES.rv_review!, { type: 'changesRequested', by: 'human', feedback: 'fix' }, stopped);
    if (!t.ok) throw new Error('refused');
    expect(t.state.status).toBe('review');
    expect(t.state.life.feedback).toBe('fix');
    expect(t.effects).toEqual([]);
  });
});

// ---- convoy ----

const convoy = (status: LifeConvoy['life']['status']): LifeConvoy => ({ id: 'ab-conv', life: { status, pr: null } });
const CONVOY_EVENTS: Record<string, ConvoyEvent> = {
  unlabelled: { type: 'unlabelled' },
  relabelled: { type: 'relabelled' },
  delivered: { type: 'delivered', pr: 12 },
  convoyMerged: { type: 'convoyMerged' },
};
const CONVOY_LEGAL: Record<string, Record<string, [string, string[]]>> = {
  running: { unlabelled: ['stopped', ['comment']], delivered: ['delivered', []] },
  stopped: { relabelled: ['running', []] },
  delivered: { convoyMerged: ['closed', ['closeEpic']] },
  closed: {},
};

describe('convoy state machine: every state x every event', () => {
  const cases = Object.keys(CONVOY_LEGAL).flatMap((s) => Object.keys(CONVOY_EVENTS).map((ev) => ({ s, ev })));
  it.each(cases)('$s + $ev', ({ s, ev }) => {
    const t = convoyTransition(convoy(s as LifeConvoy['life']['status']), CONVOY_EVENTS[ev]!);
    const expected = CONVOY_LEGAL[s]![ev];
    if (!expected) {
      expect(t.ok).toBe(false);
      if (!t.ok) expect(t.refusal).toMatchObject({ subject: 'convoy ab-conv', state: s, event: ev });
      return;
    }
    if (!t.ok) throw new Error(t.refusal.reason);
    expect(t.state.life.status).toBe(expected[0]);
    expect(t.effects.map((e) => e.type)).toEqual(expected[1]);
  });
  it('a delivery keeps the convoy PR number', () => {
    const t = convoyTransition(convoy('running'), { type: 'delivered', pr: 12 });
    expect(t.ok && t.state.life.pr).toBe(12);
  });
});

function fullBead(id: string, status: Status, deps: string[] = [], role: Bead['role'] = 'polecat'): Bead {
  return Bead.parse({ id, title: id, role, status, dependencies: deps.map((d) => ({ id: d, kind: 'blocks' })), createdAt: '2026-11-29T10:00:00Z', updatedAt: '2026-11-29T10:00:00Z' });
}

describe('convoy tick', () => {
  it('starts the open beads whose blockers are done, not the others', () => {
    const beads = [fullBead('ab-a', 'done'), fullBead('ab-b', 'open', ['ab-a']), fullBead('ab-c', 'open', ['ab-d']), fullBead('ab-d', 'in_progress')];
    const t = convoyTick(convoy('running'), beads);
    expect(t.events).toEqual([{ beadId: 'ab-b', event: { type: 'ready' } }]);
    expect(t.effects).toEqual([]);
    expect(t.finished).toBe(false);
  });
  it('asks for the delivery when every bead is done (cancelled ones aside)', () => {
    const t = convoyTick(convoy('running'), [fullBead('ab-a', 'done'), fullBead('ab-b', 'cancelled')]);
    expect(t).toEqual({ events: [], effects: [{ type: 'deliverConvoy', convoyId: 'ab-conv' }], finished: true });
  });
  it('does not deliver a convoy with a failed bead, nor deliver twice', () => {
    expect(convoyTick(convoy('running'), [fullBead('ab-a', 'done'), fullBead('ab-b', 'failed')]).effects).toEqual([]);
    expect(convoyTick(convoy('delivered'), [fullBead('ab-a', 'done')]).effects).toEqual([]);
  });
  it('a stopped convoy cancels its pending beads and leaves running ones alone', () => {
    const beads = [fullBead('ab-a', 'open'), fullBead('ab-b', 'in_progress'), fullBead('ab-c', 'blocked'), fullBead('ab-d', 'review'), fullBead('ab-e', 'failed')];
    const t = convoyTick(convoy('stopped'), beads);
    expect(t.events.map((e) => [e.beadId, e.event.type])).toEqual([['ab-a', 'cancel'], ['ab-c', 'cancel'], ['ab-e', 'cancel']]);
  });
});

describe('bead state machine when jobs claim their beads (runner workflows)', () => {
  const claim: MachineContext = { ...ctx, jobsClaim: true };
  it('a ready bead waits open with its job due, dispatched once', () => {
    const t = beadTransition(STATES.open_tests!, { type: 'ready' }, claim);
    if (!t.ok) throw new Error('refused');
    expect(t.state.status).toBe('open');
    expect(t.state.life.job).toBe('refinery-tests');
    expect(t.effects.map((e) => e.type)).toEqual(['runJob']);
    // A second start of the same bead is refused: one dispatch per attempt.
    expect(beadTransition(t.state, { type: 'ready' }, claim).ok).toBe(false);
    const tick = convoyTick(convoy('running'), [Bead.parse({ ...fullBead('ab-a', 'open'), lifecycle: t.state.life })]);
    expect(tick.events).toEqual([]);
  });
  it('tests written by a claimed job hand the bead back open at the code step with the Polecat due', () => {
    const t = beadTransition(STATES.ip_tests!, { type: 'testsWritten', files: ['test/t.gd'] }, claim);
    if (!t.ok) throw new Error('refused');
    expect([t.state.status, t.state.life.step, t.state.life.job]).toEqual(['open', 'code', 'polecat']);
  });
  it('a failed claimed job is retried open, so the next workflow can claim it', () => {
    const t = beadTransition(STATES.ip_code!, { type: 'jobFailed', job: 'polecat', outcome: 'timed_out', reason: 'x' }, claim);
    if (!t.ok) throw new Error('refused');
    expect([t.state.status, t.state.life.job, t.state.life.tries]).toEqual(['open', 'polecat', 1]);
  });
  it('changes requested on a bead in review go to in progress (review cannot go back to open)', () => {
    const t = beadTransition(STATES.rv_review!, { type: 'changesRequested', by: 'human', feedback: 'x' }, claim);
    if (!t.ok) throw new Error('refused');
    expect([t.state.status, t.state.life.job]).toEqual(['in_progress', 'polecat']);
  });
});
