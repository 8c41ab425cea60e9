// Two races of the GitHub loop: a review run's completion arriving before its review's webhook, and a convoy-branch
// push rejected and redone; neither may retry, dispatch or comment more than once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { applyBeadEvent } from '../../../src/lifecycle/persist.js';
import { BeadStore } from '../../../src/beads/store.js';
import { parseBeadText } from '../../../src/beads/serialize.js';
import { epicLabeled, examplePayload, onMain } from '../../support/github-webhooks.js';
import { BEAD, CONVOY, gitIn, makeTown, seedConvoy } from '../../support/github-town.js';
import type { FakeGitHub } from '../../support/github-fake.js';
import { NO_BACKOFF as POLICY, startLifecycleApp, type Harness } from '../../support/github-harness.js';

const BRANCH = `convoy/${CONVOY}`;
const BOT = { login: 'gastown-hybrid[bot]', id: 12345, type: 'Bot' };
const HEAD = 'c0ffee0000000000000000000000000000000001';
const OLD_HEAD = 'c0ffee0000000000000000000000000000000000';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-races-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A bead workflow's run completed; `attempt`: the lifecycle attempt its run-name carries (none: a run named without). */
function run(job: string, conclusion: string, runId: number, pr?: number, attempt?: string, runAttempt = 1): Record<string, any> {
  const p = onMain(examplePayload('workflow_run', 'completed', 0));
  const tag = attempt ? `attempt ${attempt}, ` : '';
  Object.assign(p.workflow_run, {
    id: runId, run_attempt: runAttempt, path: `.github/workflows/${job}.yml`, event: 'workflow_dispatch', conclusion, status: 'completed',
    display_title: job === 'refinery-review' ? `refinery-review ${BEAD} (${tag}PR #${pr})` : `${job} ${BEAD} (convoy ${CONVOY}${attempt ? `, attempt ${attempt}` : ''})`,
    head_branch: job === 'refinery-review' ? 'main' : BRANCH,
  });
  return p;
}

function botReview(state: 'changes_requested' | 'approved', body: string, id: number): Record<string, any> {
  const p = onMain(examplePayload('pull_request_review', 'submitted'));
  Object.assign(p.review, { id, state, body, commit_id: HEAD, user: { ...p.review.user, ...BOT } });
  p.pull_request.head.ref = `polecat/${BEAD}`;
  p.pull_request.base.ref = BRANCH;
  p.pull_request.number = 5;
  return p;
}

/** The bead's PR on GitHub: its head, and the reviews posted on it so far (the tests add the job's). */
function pullRequestOn(fake: FakeGitHub, reviews: Record<string, unknown>[]): void {
  const repo = { full_name: 'Codertocat/Hello-World' };
  fake
    .on('pulls/get', () => [200, { number: 5, head: { sha: HEAD, ref: `polecat/${BEAD}`, repo }, base: { ref: BRANCH, repo } }])
    .on('pulls/list-reviews', () => [200, reviews])
    .on('pulls/list-comments-for-review', () => [200, [{ id: 1, path: 'scripts/combo_counter.gd', line: 12, original_line: 12, body: 'Name the 50.' }]]);
}

async function remoteBead(bare: string) {
  return parseBeadText(await gitIn(bare, 'show', `${BRANCH}:beads/${BEAD}.json`), 'remote');
}

/** A town whose one bead is in review on PR #5, its review job dispatched, with the app serving it. */
async function beadInReview(name: string, reviews: Record<string, unknown>[]) {
  const dir = await mkdtemp(join(root, `${name}-`));
  const { bare, work } = await makeTown(dir);
  await seedConvoy(work);
  const h = await startLifecycleApp({ bare, stateDir: join(dir, 'app'), setup: (fake) => pullRequestOn(fake, reviews) });
  const step = (event: string, payload: Record<string, any>) => h.step(event, payload);
  const dispatches = () => h.fake.calls('actions/create-workflow-dispatch').map((d) => /workflows\/([^/.]+)/.exec(d.path)![1]);
  await step('issues', epicLabeled());
  // The runner's Polecat pushed its code (as `gth job polecat` records it) and its PR opened.
  const runner = join(dir, 'runner');
  await execa('git', ['clone', '-q', '--branch', BRANCH, bare, runner]);
  const pushCode = async (): Promise<void> => {
    await gitIn(runner, 'pull', '-q', '--rebase', 'origin', BRANCH);
    const pushed = await applyBeadEvent(new BeadStore({ dir: join(runner, 'beads'), actor: 'polecat', commit: true, env: { ...process.env, GIT_AUTHOR_NAME: 'r', GIT_AUTHOR_EMAIL: 'r@x.invalid', GIT_COMMITTER_NAME: 'r', GIT_COMMITTER_EMAIL: 'r@x.invalid' } }), BEAD, { type: 'codePushed', branch: `polecat/${BEAD}`, model: 'stand-in' }, { policy: POLICY, stopped: false });
    expect(pushed.ok).toBe(true);
    await gitIn(runner, 'push', '-q', 'origin', BRANCH);
  };
  await pushCode();
  const opened = onMain(examplePayload('pull_request', 'opened', 1));
  Object.assign(opened.pull_request, { number: 5, merged: false });
  opened.pull_request.head.ref = `polecat/${BEAD}`;
  opened.pull_request.base.ref = BRANCH;
  await step('pull_request', opened);
  await step('workflow_run', run('polecat', 'success', 11));
  expect(dispatches()).toEqual(['polecat', 'refinery-review']);
  return { h, bare, step, dispatches, pushCode };
}

describe('a review run that completes before its review webhook', () => {
  // One fake GitHub at a time (nock intercepts per process): each test closes its app.
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('moves the bead by the verdict the job posted (read from the PR), and the late review webhook changes nothing', async () => {
    // An older verdict on the previous head judged other code; the job's verdict is on the current head.
    const reviews = [
      { id: 70, user: BOT, commit_id: OLD_HEAD, state: 'APPROVED', body: 'Old head.' },
      { id: 71, user: { login: 'someone', type: 'User' }, commit_id: HEAD, state: 'APPROVED', body: 'A person.' },
      { id: 72, user: BOT, commit_id: HEAD, state: 'CHANGES_REQUESTED', body: 'Not quite.' },
    ];
    const town = await beadInReview('early-run', reviews);
    h = town.h;
    const { bare, step, dispatches } = town;

    await step('workflow_run', run('refinery-review', 'success', 12, 5));
    // Changes requested once: the Polecat runs again with the comments, and no review retry is dispatched.
    expect(dispatches()).toEqual(['polecat', 'refinery-review', 'polecat']);
    const bead = await remoteBead(bare);
    expect(bead.lifecycle).toMatchObject({ step: 'code', job: 'polecat', revisions: 1, tries: 0 });
    expect(bead.lifecycle?.feedback).toContain('Not quite.');
    expect(bead.lifecycle?.feedback).toContain('scripts/combo_counter.gd:12: Name the 50.');

    // The review's own webhook arrives late: already applied, so nothing moves and nothing is dispatched.
    await step('pull_request_review', botReview('changes_requested', 'Not quite.', 72));
    expect(dispatches()).toEqual(['polecat', 'refinery-review', 'polecat']);
    expect((await remoteBead(bare)).lifecycle).toMatchObject({ step: 'code', revisions: 1, tries: 0 });
    expect(town.h.fake.violations).toEqual([]);
  }, 120_000);

  it('does not count a late or re-run run of the earlier review attempt against the review of the revision', async () => {
    const reviews = [{ id: 72, user: BOT, commit_id: HEAD, state: 'CHANGES_REQUESTED', body: 'Not quite.' }];
    const town = await beadInReview('late-run', reviews);
    h = town.h;
    const { bare, step, dispatches, pushCode } = town;
    const reviewInputs = () => h!.fake.calls('actions/create-workflow-dispatch').filter((d) => d.path.includes('refinery-review')).map((d) => (d.body as { inputs: Record<string, string> }).inputs);
    expect(reviewInputs()).toEqual([{ pr: '5', bead: BEAD, attempt: 'r0t1' }]);
    await step('workflow_run', run('refinery-review', 'success', 12, 5, 'r0t1'));
    expect(dispatches()).toEqual(['polecat', 'refinery-review', 'polecat']);
    // The revision is pushed; its Polecat run ends and the review of revision 1 is dispatched as its own attempt.
    reviews.length = 0;
    await pushCode();
    await step('workflow_run', run('polecat', 'success', 13, undefined, 'r1t1'));
    expect(reviewInputs().at(-1)).toEqual({ pr: '5', bead: BEAD, attempt: 'r1t1' });
    const before = dispatches().length;
    // The first review's run is re-run from the Actions page (or its end is delivered late): cancelled, then success.
    await step('workflow_run', run('refinery-review', 'cancelled', 12, 5, 'r0t1', 2));
    await step('workflow_run', run('refinery-review', 'success', 12, 5, 'r0t1', 3));
    expect(dispatches()).toHaveLength(before);
    const bead = await remoteBead(bare);
    expect(bead.lifecycle).toMatchObject({ step: 'review', job: 'refinery-review', revisions: 1, tries: 0 });
    // The current attempt's run still counts: ended without a verdict on the head, it is a failed try.
    await step('workflow_run', run('refinery-review', 'success', 14, 5, 'r1t1'));
    expect((await remoteBead(bare)).lifecycle).toMatchObject({ step: 'review', revisions: 1, tries: 1 });
    expect(town.h.fake.violations).toEqual([]);
  }, 120_000);

  it('counts a successful review run with no verdict on the PR head as a failed try (the bead never waits in review forever)', async () => {
    const town = await beadInReview('no-verdict', [{ id: 70, user: BOT, commit_id: OLD_HEAD, state: 'APPROVED', body: 'Old head.' }]);
    h = town.h;
    const { bare, step, dispatches } = town;
    await step('workflow_run', run('refinery-review', 'success', 12, 5));
    expect(dispatches()).toEqual(['polecat', 'refinery-review', 'refinery-review']);
    expect((await remoteBead(bare)).lifecycle).toMatchObject({ step: 'review', job: 'refinery-review', tries: 1 });
    expect(town.h.fake.violations).toEqual([]);
  }, 120_000);
});

describe('a convoy-branch push rejected and redone', () => {
  let h: Harness | undefined;
  afterAll(async () => h?.close());

  it('posts the epic comment of the event once', async () => {
    const dir = await mkdtemp(join(root, 'push-'));
    const { bare, work } = await makeTown(dir);
    await seedConvoy(work);
    h = await startLifecycleApp({ bare, stateDir: join(dir, 'app') });
    const step = (event: string, payload: Record<string, any>) => h!.step(event, payload);
    await step('issues', epicLabeled());

    // The remote refuses the next push once (as when a runner pushed first), so the app redoes the event on the tip.
    const flag = join(bare, 'reject-once');
    await writeFile(flag, '');
    const hook = join(bare, 'hooks', 'pre-receive');
    await writeFile(hook, `#!/bin/sh\nif [ -f '${flag}' ]; then rm -f '${flag}'; echo 'rejected once (test)' >&2; exit 1; fi\n`);
    await chmod(hook, 0o755);

    const unlabel = onMain(examplePayload('issues', 'unlabeled'));
    unlabel.label.name = 'epic';
    await step('issues', unlabel);
    expect(existsSync(flag)).toBe(false);
    const convoy = JSON.parse(await gitIn(bare, 'show', `${BRANCH}:beads/convoys/${CONVOY}.json`)) as { lifecycle: { status: string } };
    expect(convoy.lifecycle.status).toBe('stopped');
    const stops = h.comments.filter((c) => c.body.includes('The epic label was removed'));
    expect(stops).toHaveLength(1);
    expect(h.fake.violations).toEqual([]);
  }, 120_000);
});
