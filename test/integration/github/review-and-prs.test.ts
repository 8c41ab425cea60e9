// `/refinery review` admission and the review job it dispatches on the default branch; fork PRs never dispatched to the self-hosted runner.
import { afterEach, describe, expect, it } from 'vitest';
import { deliver, examplePayload } from '../../support/github-webhooks.js';
import { SECRET, startHarness, type Harness } from '../../support/github-harness.js';

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

const dispatchesOf = (h: Harness) => h.fake.calls('actions/create-workflow-dispatch').map((d) => [d.path, d.body]);

describe('/refinery review', () => {
  it('refuses a read-only user with a reply and never dispatches', async () => {
    h = await startHarness({ planner: null, convoys: null });
    h.permissions.set('reader', 'read');
    expect((await deliver(h.url, SECRET, 'issue_comment', reviewCommand('reader'))).status).toBe(200);
    await h.server.app.queue.idle();
    expect(dispatchesOf(h)).toEqual([]);
    expect(h.fake.calls('reactions/create-for-issue-comment')).toHaveLength(0);
    expect(h.comments).toHaveLength(1);
    expect(h.comments[0]!.issue).toBe(2);
    expect(h.comments[0]!.body).toContain('@reader');
    expect(h.comments[0]!.body).toContain('write access');
    expect(h.fake.violations).toEqual([]);
  });

  it('treats a non-collaborator (GitHub answers 404) as no access', async () => {
    h = await startHarness({ planner: null, convoys: null });
    h.fake.on('repos/get-collaborator-permission-level', () => [404, { message: 'Not Found' }]);
    await deliver(h.url, SECRET, 'issue_comment', reviewCommand('stranger'));
    await h.server.app.queue.idle();
    expect(dispatchesOf(h)).toEqual([]);
    expect(h.comments[0]!.body).toContain('(yours: none)');
  });

  it('acknowledges a writer with a reaction, then dispatches the review job on the default branch, once per request', async () => {
    h = await startHarness({ planner: null, convoys: null });
    h.fake
      .on('reactions/create-for-issue-comment', () => [201, { id: 1, content: 'eyes' }])
      .on('pulls/get', () => [200, prDetails()]);
    const cmd = reviewCommand();
    await deliver(h.url, SECRET, 'issue_comment', cmd, { id: 'delivery-1' });
    // GitHub redelivers the same delivery: no second review.
    await deliver(h.url, SECRET, 'issue_comment', cmd, { id: 'delivery-1' });
    await h.server.app.queue.idle();

    const reaction = h.fake.calls('reactions/create-for-issue-comment');
    expect(reaction.map((r) => [r.path, r.body])).toEqual([['/repos/Codertocat/Hello-World/issues/comments/492700400/reactions', { content: 'eyes' }]]);
    // The example repository's default branch is master: the workflow file and rig.yml come from there, never from bead/gt-a1.
    expect(dispatchesOf(h)).toEqual([
      ['/repos/Codertocat/Hello-World/actions/workflows/refinery-review.yml/dispatches', { ref: 'master', inputs: { pr: '2', bead: 'gt-a1' } }],
    ]);
    // The app host reviews nothing itself.
    expect(h.fake.calls('pulls/create-review')).toHaveLength(0);
    const order = h.fake.actions.map((r) => r.operationId);
    expect(order.indexOf('reactions/create-for-issue-comment')).toBeLessThan(order.indexOf('actions/create-workflow-dispatch'));

    // A new request (another comment) is another review; a PR without a bead branch gets an empty bead input.
    h.fake.on('pulls/get', () => [200, { ...prDetails(), head: { ...prDetails().head, ref: 'fix-typo' } }]);
    const again = reviewCommand();
    again.comment.id = 492700401;
    await deliver(h.url, SECRET, 'issue_comment', again);
    expect(dispatchesOf(h)[1]).toEqual(['/repos/Codertocat/Hello-World/actions/workflows/refinery-review.yml/dispatches', { ref: 'master', inputs: { pr: '2', bead: '' } }]);
    expect(h.fake.violations).toEqual([]);
  });

  it('does not dispatch a review of a PR from a fork', async () => {
    h = await startHarness({ planner: null, convoys: null });
    h.fake
      .on('reactions/create-for-issue-comment', () => [201, { id: 1, content: 'eyes' }])
      .on('pulls/get', () => [200, prDetails('mallory/Hello-World')]);
    await deliver(h.url, SECRET, 'issue_comment', reviewCommand());
    await h.server.app.queue.idle();
    expect(dispatchesOf(h)).toEqual([]);
    expect(h.comments[0]!.body).toContain('fork');
  });

  it('answers a failed dispatch with a short error and a correlation id, never paths or server details', async () => {
    h = await startHarness({ planner: null, convoys: null });
    h.fake
      .on('reactions/create-for-issue-comment', () => [201, { id: 1, content: 'eyes' }])
      .on('pulls/get', () => [200, prDetails()])
      .on('actions/create-workflow-dispatch', () => [422, { message: `Workflow does not have 'workflow_dispatch' trigger at ${h!.stateDir}/x` }]);
    await deliver(h.url, SECRET, 'issue_comment', reviewCommand());
    expect(h.comments).toHaveLength(1);
    const body = h.comments[0]!.body;
    expect(body).toMatch(/^The Refinery review could not be started: dispatching refinery-review\.yml for PR #2 failed \(ref: `[0-9a-f]{8}`; details are in the app's log\)$/);
    expect(body).not.toContain(h.stateDir);
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
    h = await startHarness({ planner: null, convoys: null });
    await deliver(h.url, SECRET, 'pull_request', opened('mallory/Hello-World'));
    await deliver(h.url, SECRET, 'pull_request', opened(null));
    expect(h.fake.requests).toHaveLength(0);

    await deliver(h.url, SECRET, 'pull_request', opened('Codertocat/Hello-World'));
    const dispatches = h.fake.calls('actions/create-workflow-dispatch');
    expect(dispatches.map((d) => [d.path, d.body])).toEqual([
      ['/repos/Codertocat/Hello-World/actions/workflows/refinery-review.yml/dispatches', { ref: 'master', inputs: { pr: '2', bead: 'gt-a1' } }],
    ]);
    expect(h.server.app.handled.map((x) => x.outcome)).toEqual([
      'fork PR: never dispatched to the self-hosted runner',
      'fork PR: never dispatched to the self-hosted runner',
      'refinery-review dispatched for bead gt-a1',
    ]);
    expect(h.fake.violations).toEqual([]);
  });
});

describe('GitHub Enterprise Server', () => {
  it('talks to <GHE_PROTOCOL>://<GHE_HOST>/api/v3 when GHE_HOST is set', async () => {
    h = await startHarness({ planner: null, convoys: null }, { env: { GHE_HOST: 'ghe.example.com' }, apiBase: 'https://ghe.example.com/api/v3' });
    h.fake
      .on('reactions/create-for-issue-comment', () => [201, { id: 1, content: 'eyes' }])
      .on('pulls/get', () => [200, prDetails()]);
    await deliver(h.url, SECRET, 'issue_comment', reviewCommand());
    expect(dispatchesOf(h)).toEqual([
      ['/repos/Codertocat/Hello-World/actions/workflows/refinery-review.yml/dispatches', { ref: 'master', inputs: { pr: '2', bead: 'gt-a1' } }],
    ]);
    expect(h.fake.violations).toEqual([]);
  });
});
