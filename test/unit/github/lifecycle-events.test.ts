// Webhooks -> lifecycle events: which bead a run is about, the PR a review run judged, and a review's verdict as an event.
import { describe, expect, it } from 'vitest';
import { fromWorkflowRun, verdictEvent } from '../../../src/github/lifecycle-events.js';
import type { EventOf } from '../../../src/github/events.js';
import { runName } from '../../support/github-model.js';

const run = (o: Partial<EventOf<'workflow-run'>>): EventOf<'workflow-run'> => ({
  kind: 'workflow-run', repo: { owner: 'o', repo: 'r' }, installationId: 1, sender: { login: 'x', isBot: false }, defaultBranch: 'main',
  runId: 7, runAttempt: 1, workflowPath: '.github/workflows/polecat.yml', trigger: 'workflow_dispatch', title: 'polecat am-b1 (convoy am-c1)',
  headBranch: 'convoy/am-c1', conclusion: 'success', ...o,
});

describe('fromWorkflowRun', () => {
  it('names the PR a review run judged (from its run-name), and none for the bead jobs', () => {
    const review = fromWorkflowRun(run({ workflowPath: '.github/workflows/refinery-review.yml', title: 'refinery-review am-b1 (PR #42)', headBranch: 'main' }));
    expect(review).toEqual({ kind: 'bead', beadId: 'am-b1', branch: null, pr: 42, event: { type: 'jobSucceeded', job: 'refinery-review' } });
    expect(fromWorkflowRun(run({}))).toMatchObject({ beadId: 'am-b1', branch: 'convoy/am-c1', pr: null });
    // A review run-name without a PR number (an edited workflow) still names its bead; the verdict cannot be read back.
    expect(fromWorkflowRun(run({ workflowPath: '.github/workflows/refinery-review.yml', title: 'refinery-review am-b1 (x)' }))).toMatchObject({ pr: null });
  });

  it('reads the lifecycle attempt a run was dispatched for from its run-name; a run without one names none', () => {
    expect(fromWorkflowRun(run({ title: 'polecat am-b1 (convoy am-c1, attempt r1t2)', conclusion: 'failure' }))?.event).toMatchObject({ type: 'jobFailed', attempt: 'r1t2' });
    const review = fromWorkflowRun(run({ workflowPath: '.github/workflows/refinery-review.yml', title: 'refinery-review am-b1 (attempt r0t1, PR #42)' }));
    expect(review).toMatchObject({ pr: 42, event: { type: 'jobSucceeded', job: 'refinery-review', attempt: 'r0t1' } });
    // A review a person asked for (no attempt input) and a run named before attempts were.
    const asked = fromWorkflowRun(run({ workflowPath: '.github/workflows/refinery-review.yml', title: 'refinery-review am-b1 (attempt , PR #42)' }));
    expect(asked).toMatchObject({ pr: 42 });
    expect(asked?.kind === 'bead' && 'attempt' in asked.event).toBe(false);
    const old = fromWorkflowRun(run({}));
    expect(old?.kind === 'bead' && 'attempt' in old.event).toBe(false);
  });

  it('reads back the attempt from the run-name each workflow file gives a dispatch (as GitHub fills it in)', () => {
    for (const kind of ['refinery-tests', 'polecat', 'librarian', 'refinery-review']) {
      const inputs = { bead: 'am-b1', convoy: 'am-c1', pr: '9', attempt: 'r2t3' };
      const title = runName({ kind, ref: 'main', inputs });
      const got = fromWorkflowRun(run({ workflowPath: `.github/workflows/${kind}.yml`, title }));
      expect(got, title).toMatchObject({ beadId: 'am-b1', event: { job: kind, attempt: 'r2t3' } });
      if (kind === 'refinery-review') expect(got).toMatchObject({ pr: 9 });
    }
  });
});

describe('verdictEvent', () => {
  it('turns changes requested (with the line comments) and approvals into bead events; other states into nothing', () => {
    expect(verdictEvent('changes_requested', 'Not quite.', [{ path: 'a.gd', line: 3, body: 'Name it.' }], 'refinery')).toEqual({
      type: 'changesRequested', by: 'refinery', feedback: 'Not quite.\n\nLine comments:\n- a.gd:3: Name it.',
    });
    expect(verdictEvent('approved', '  ', [], 'human')).toEqual({ type: 'reviewPassed', by: 'human', summary: 'approved' });
    expect(verdictEvent('commented', 'hm', [], 'human')).toBeNull();
  });
});
