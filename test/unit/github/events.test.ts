// parseWebhook on real @octokit/webhooks-examples payloads: each event becomes one typed kind, everything else `ignored` with a reason.
import { describe, expect, it } from 'vitest';
import { parseWebhook } from '../../../src/github/events.js';
import { examplePayload } from '../../support/github-webhooks.js';

const opts = { epicLabel: 'epic' };

describe('parseWebhook', () => {
  it('turns an epic label on an open issue into epic-labeled', () => {
    const p = examplePayload('issues', 'labeled');
    p.label.name = 'epic';
    expect(parseWebhook('issues', p, opts)).toEqual({
      kind: 'epic-labeled',
      repo: { owner: 'Codertocat', repo: 'Hello-World' },
      installationId: 1,
      sender: { login: 'Codertocat', isBot: false },
      defaultBranch: 'master',
      issue: { number: 1, title: 'Spelling error in the README file', body: "It looks like you accidently spelled 'commit' with two 't's." },
    });
  });

  it('ignores other labels, labels on PRs and closed issues, with reasons', () => {
    const other = examplePayload('issues', 'labeled');
    expect(parseWebhook('issues', other, opts)).toEqual({ kind: 'ignored', reason: 'label "bug" is not "epic"' });
    const pr = examplePayload('issues', 'labeled');
    pr.label.name = 'epic';
    pr.issue.pull_request = { url: 'x' };
    expect(parseWebhook('issues', pr, opts)).toMatchObject({ kind: 'ignored', reason: 'epic label on a pull request, not an issue' });
    const closed = examplePayload('issues', 'labeled');
    closed.label.name = 'epic';
    closed.issue.state = 'closed';
    expect(parseWebhook('issues', closed, opts)).toMatchObject({ kind: 'ignored', reason: 'issue #1 is closed' });
  });

  it('marks bot senders', () => {
    const p = examplePayload('issues', 'labeled');
    p.label.name = 'epic';
    p.sender = { ...p.sender, login: 'gastown-hybrid[bot]', type: 'Bot' };
    expect(parseWebhook('issues', p, opts)).toMatchObject({ kind: 'epic-labeled', sender: { login: 'gastown-hybrid[bot]', isBot: true } });
  });

  it('recognises /refinery review only at the start of a PR comment', () => {
    const p = examplePayload('issue_comment', 'created');
    p.issue.pull_request = { url: 'x' };
    p.comment.body = '  /refinery review\nthanks';
    expect(parseWebhook('issue_comment', p, opts)).toMatchObject({ kind: 'refinery-review-command', prNumber: 1, commentId: 492700400 });
    p.comment.body = 'please run /refinery review';
    expect(parseWebhook('issue_comment', p, opts).kind).toBe('ignored');
    p.comment.body = '/refinery reviewer';
    expect(parseWebhook('issue_comment', p, opts).kind).toBe('ignored');
    const onIssue = examplePayload('issue_comment', 'created');
    onIssue.comment.body = '/refinery review';
    expect(parseWebhook('issue_comment', onIssue, opts)).toMatchObject({ kind: 'ignored', reason: '/refinery review on an issue, not a pull request' });
  });

  it('detects fork PRs, including a deleted fork', () => {
    const p = examplePayload('pull_request', 'opened', 1);
    expect(parseWebhook('pull_request', p, opts)).toMatchObject({ kind: 'pr-opened', prNumber: 2, headRef: 'changes', isFork: false });
    p.pull_request.head.repo = { ...p.pull_request.head.repo, full_name: 'mallory/Hello-World' };
    expect(parseWebhook('pull_request', p, opts)).toMatchObject({ kind: 'pr-opened', isFork: true });
    p.pull_request.head.repo = null;
    expect(parseWebhook('pull_request', p, opts)).toMatchObject({ kind: 'pr-opened', isFork: true });
  });

  it('parses review submissions with their author and completed workflow runs with their title and trigger', () => {
    const review = examplePayload('pull_request_review', 'submitted');
    review.review.state = 'CHANGES_REQUESTED';
    review.review.body = 'Use the constant.';
    expect(parseWebhook('pull_request_review', review, opts)).toMatchObject({
      kind: 'pr-review', state: 'changes_requested', prNumber: 2, reviewId: 237895671, reviewer: { login: 'Codertocat', isBot: false },
      headRef: 'changes', baseRef: 'master', body: 'Use the constant.',
    });
    review.review.user = null;
    expect(parseWebhook('pull_request_review', review, opts)).toMatchObject({ reviewer: { login: 'ghost', isBot: false } });
    expect(parseWebhook('workflow_run', examplePayload('workflow_run', 'completed', 1), opts)).toMatchObject({
      kind: 'workflow-run', workflowPath: '.github/workflows/test.yml', headBranch: 'master', conclusion: 'success',
      trigger: 'repository_dispatch', title: 'ci(action): update actions/setup-node digest to 8c91899', runAttempt: 1,
    });
  });

  it('parses closed PRs (merged or not) and the epic label being removed', () => {
    const closed = examplePayload('pull_request', 'closed');
    expect(parseWebhook('pull_request', closed, opts)).toMatchObject({ kind: 'pr-closed', merged: false, headRef: 'changes', baseRef: 'master', isFork: false });
    closed.pull_request.merged = true;
    expect(parseWebhook('pull_request', closed, opts)).toMatchObject({ kind: 'pr-closed', merged: true });
    const un = examplePayload('issues', 'unlabeled');
    un.label = { ...un.label, name: 'epic' };
    expect(parseWebhook('issues', un, opts)).toMatchObject({ kind: 'epic-unlabeled', issue: { number: un.issue.number } });
    un.label.name = 'bug';
    expect(parseWebhook('issues', un, opts)).toEqual({ kind: 'ignored', reason: 'label "bug" is not "epic"' });
  });

  it('ignores unknown events, deliveries without an installation and malformed payloads', () => {
    expect(parseWebhook('issues', examplePayload('issues', 'opened'), opts)).toEqual({ kind: 'ignored', reason: 'issues.opened: not an event this app acts on' });
    const noInst = examplePayload('issues', 'labeled');
    delete noInst.installation;
    expect(parseWebhook('issues', noInst, opts).kind).toBe('ignored');
    const broken = examplePayload('issues', 'labeled');
    broken.label.name = 'epic';
    broken.issue.number = 'one';
    expect(parseWebhook('issues', broken, opts)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('malformed issues.labeled payload: issue.number') });
    expect(parseWebhook('ping', { zen: 'x' }, opts)).toEqual({ kind: 'ignored', reason: 'ping: no repository/sender in payload' });
  });
});
