// Webhooks -> lifecycle events: which bead a run is about, the PR a review run judged, and a review's verdict as an event.
import { describe, expect, it } from 'vitest';
import { fromWorkflowRun, verdictEvent } from '../../../src/github/lifecycle-events.js';
import type { EventOf } from '../../../src/github/events.js';

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
