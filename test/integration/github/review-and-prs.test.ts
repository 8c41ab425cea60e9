// `/refinery review` admission and the real PR review it posts; fork PRs never dispatched to the self-hosted runner.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewResult } from '../../../src/github/ports.js';
import { ScriptedReviewer } from '../../support/github-engine-fakes.js';
import { deliver, examplePayload } from '../../support/github-webhooks.js';
import { SECRET, startHarness, type Harness } from './harness.js';

const REVIEW: ReviewResult = {
  verdict: 'request_changes',
  summary: 'The dash ignores the cooldown.',
  comments: [{ path: 'scripts/dash.gd', line: 12, body: 'Check `cooldown_left` before dashing.' }],
};

/** A real issue_comment.created example turned into a comment on PR #2 (the examples only comment on issues). */
function reviewCommand(login = 'Codertocat'): Record<string, any> {
  const p = examplePayload('issue_comment', 'created');
  p.issue.number = 2;
  p.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
  p.comment.body = '/refinery review please';
  p.sender.login = login;
  return p;
}

function prDetails(forkName = 'Codertocat/Hello-World') {
  return {
    number: 2,
    head: { ref: 'bead/gt-a1', sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821', repo: { full_name: forkName } },
    base: { ref: 'main', sha: '1111111111111111111111111111111111111111', repo: { full_name: 'Codertocat/Hello-World' } },
  };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('/refinery review', () => {
  it('refuses a read-only user with a reply and never reviews', async () => {
    const reviewer = new ScriptedReviewer(REVIEW);
    h = await startHarness({ planner: null, convoys: null, reviewer });
    h.permissions.set('reader', 'read');
    expect((await deliver(h.url, SECRET, 'issue_comment', reviewCommand('reader'))).status).toBe(200);
    await h.server.app.queue.idle();
    expect(reviewer.calls).toHaveLength(0);
    expect(h.fake.calls('reactions/create-for-issue-comment')).toHaveLength(0);
    expect(h.comments).toHaveLength(1);
    expect(h.comments[0]!.issue).toBe(2);
    expect(h.comments[0]!.body).toContain('@reader');
    expect(h.comments[0]!.body).toContain('write access');
    expect(h.fake.violations).toEqual([]);
  });

  it('treats a non-collaborator (GitHub answers 404) as no access', async () => {
    const reviewer = new ScriptedReviewer(REVIEW);
    h = await startHarness({ planner: null, convoys: null, reviewer });
    h.fake.on('repos/get-collaborator-permission-level', () => [404, { message: 'Not Found' }]);
    await deliver(h.url, SECRET, 'issue_comment', reviewCommand('stranger'));
    await h.server.app.queue.idle();
    expect(reviewer.calls).toHaveLength(0);
    expect(h.comments[0]!.body).toContain('(yours: none)');
  });

  it('acknowledges a writer with a reaction, then posts a PR review with line comments on the head commit', async () => {
    const reviewer = new ScriptedReviewer(REVIEW);
    h = await startHarness({ planner: null, convoys: null, reviewer });
    h.fake
      .on('reactions/create-for-issue-comment', () => [201, { id: 1, content: 'eyes' }])
      .on('pulls/get', () => [200, prDetails()])
      .on('pulls/create-review', () => [200, { id: 80, state: 'CHANGES_REQUESTED' }]);
    await deliver(h.url, SECRET, 'issue_comment', reviewCommand());
    await h.server.app.queue.idle();

    const reaction = h.fake.calls('reactions/create-for-issue-comment');
    expect(reaction.map((r) => [r.path, r.body])).toEqual([['/repos/Codertocat/Hello-World/issues/comments/492700400/reactions', { content: 'eyes' }]]);
    expect(reviewer.calls.map(({ token: _t, ...c }) => c)).toEqual([
      {
        repo: { owner: 'Codertocat', repo: 'Hello-World' }, prNumber: 2, headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        headRef: 'bead/gt-a1', baseRef: 'main', requestedBy: 'Codertocat',
      },
    ]);
    const review = h.fake.calls('pulls/create-review');
    expect(review).toHaveLength(1);
    expect(review[0]!.body).toEqual({
      commit_id: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      event: 'REQUEST_CHANGES',
      body: 'The dash ignores the cooldown.',
      comments: [{ path: 'scripts/dash.gd', line: 12, side: 'RIGHT', body: 'Check `cooldown_left` before dashing.' }],
    });
    // Reaction first (inside the webhook answer), the review afterwards.
    const order = h.fake.actions.map((r) => r.operationId);
    expect(order.indexOf('reactions/create-for-issue-comment')).toBeLessThan(order.indexOf('pulls/create-review'));
    expect(h.fake.violations).toEqual([]);
  });

  it('does not review a PR from a fork on the self-hosted machine', async () => {
    const reviewer = new ScriptedReviewer(REVIEW);
    h = await startHarness({ planner: null, convoys: null, reviewer });
    h.fake
      .on('reactions/create-for-issue-comment', () => [201, { id: 1, content: 'eyes' }])
      .on('pulls/get', () => [200, prDetails('mallory/Hello-World')]);
    await deliver(h.url, SECRET, 'issue_comment', reviewCommand());
    await h.server.app.queue.idle();
    expect(reviewer.calls).toHaveLength(0);
    expect(h.fake.calls('pulls/create-review')).toHaveLength(0);
    expect(h.comments[0]!.body).toContain('fork');
  });
});

describe('pull_request.opened', () => {
  function opened(headRepo: string | null): Record<string, any> {
    const p = examplePayload('pull_request', 'opened', 1);
    p.pull_request.head.ref = 'bead/gt-a1';
    p.pull_request.head.repo = headRepo === null ? null : { ...p.pull_request.head.repo, full_name: headRepo };
    return p;
  }

  it('never dispatches a fork PR (nor one whose fork was deleted), and dispatches the review job for a bead branch PR', async () => {
    h = await startHarness({ planner: null, convoys: null, reviewer: null });
    await deliver(h.url, SECRET, 'pull_request', opened('mallory/Hello-World'));
    await deliver(h.url, SECRET, 'pull_request', opened(null));
    expect(h.fake.requests).toHaveLength(0);

    await deliver(h.url, SECRET, 'pull_request', opened('Codertocat/Hello-World'));
    const dispatches = h.fake.calls('actions/create-workflow-dispatch');
    expect(dispatches.map((d) => [d.path, d.body])).toEqual([
      ['/repos/Codertocat/Hello-World/actions/workflows/refinery-review.yml/dispatches', { ref: 'bead/gt-a1', inputs: { bead: 'gt-a1', pr: '2' } }],
    ]);
    expect(h.server.app.handled.map((x) => x.outcome)).toEqual([
      'fork PR: never dispatched to the self-hosted runner',
      'fork PR: never dispatched to the self-hosted runner',
      'refinery-review dispatched for bead gt-a1',
    ]);
    expect(h.fake.violations).toEqual([]);
  });
});
