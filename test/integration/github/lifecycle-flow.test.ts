// Webhooks drive the lifecycle on a real convoy branch (bare remote): job conclusions, a cancelled run retried,
// a human's changes requested, the merge, the convoy PR with its summary, and the epic closed when it merges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseBeadText } from '../../../src/beads/serialize.js';
import { BeadStore } from '../../../src/beads/store.js';
import { applyBeadEvent } from '../../../src/lifecycle/persist.js';
import { epicLabeled, examplePayload, onMain } from '../../support/github-webhooks.js';
import { BEAD, CONVOY, gitIn, makeTown, seedConvoy } from '../../support/github-town.js';
import { NO_BACKOFF as POLICY, startLifecycleApp, type Harness } from '../../support/github-harness.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-lifecycle-flow-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const BRANCH = `convoy/${CONVOY}`;

function run(job: string, conclusion: string, runId: number): Record<string, any> {
  const p = onMain(examplePayload('workflow_run', 'completed', 0));
  Object.assign(p.workflow_run, {
    id: runId, path: `.github/workflows/${job}.yml`, event: 'workflow_dispatch', display_title: `${job} ${BEAD} (convoy ${CONVOY})`,
    head_branch: job === 'refinery-review' ? 'main' : BRANCH, conclusion, status: 'completed',
  });
  return p;
}

function prEvent(action: 'opened' | 'closed', o: { number: number; head: string; base: string; merged?: boolean }): Record<string, any> {
  const p = onMain(examplePayload('pull_request', action, action === 'opened' ? 1 : 0));
  p.pull_request.number = o.number;
  p.pull_request.head.ref = o.head;
  p.pull_request.base.ref = o.base;
  p.pull_request.merged = o.merged ?? false;
  return p;
}

function review(state: 'changes_requested' | 'approved', body: string): Record<string, any> {
  const p = onMain(examplePayload('pull_request_review', 'submitted'));
  p.review.state = state;
  p.review.body = body;
  p.pull_request.head.ref = `polecat/${BEAD}`;
  p.pull_request.base.ref = BRANCH;
  p.pull_request.number = 5;
  return p;
}

/** Plays the runner's Polecat job: the code is pushed and the bead moves on (as `gth job polecat` records it). */
async function runnerPushesCode(bare: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await execa('git', ['clone', '-q', '--branch', BRANCH, bare, dir]);
  await gitIn(dir, 'config', 'user.name', 'runner');
  await gitIn(dir, 'config', 'user.email', 'runner@example.invalid');
  const store = new BeadStore({ dir: join(dir, 'beads'), actor: 'polecat', commit: true });
  const r = await applyBeadEvent(store, BEAD, { type: 'codePushed', branch: `polecat/${BEAD}`, model: 'stand-in' }, { policy: POLICY, stopped: false });
  expect(r.ok).toBe(true);
  await gitIn(dir, 'push', '-q', 'origin', BRANCH);
}

async function remoteBead(bare: string) {
  return parseBeadText(await gitIn(bare, 'show', `${BRANCH}:beads/${BEAD}.json`), 'remote');
}

describe('webhooks drive the lifecycle', () => {
  let h: Harness | undefined;
  afterAll(async () => h?.close());

  it('runs one bead from the epic label to the closed epic, retrying a cancelled run and a round of requested changes', async () => {
    const { bare, work } = await makeTown(root);
    await seedConvoy(work);
    const pulls: { number: number; head: string; base: string; body: string }[] = [];
    h = await startLifecycleApp({
      bare,
      stateDir: join(root, 'app'),
      setup: (fake) =>
        fake
          .on('pulls/list', () => [200, []])
          .on('pulls/create', (req) => {
            const b = req.body as { head: string; base: string; body: string; title: string };
            pulls.push({ number: 40 + pulls.length, head: b.head, base: b.base, body: b.body });
            return [201, { number: 40 + pulls.length - 1, html_url: 'https://github.com/x/y/pull/1' }];
          })
          .on('pulls/list-comments-for-review', () => [200, [{ id: 1, path: 'scripts/combo_counter.gd', line: 12, original_line: 12, body: 'Use MAX_MULTIPLIER here.' }]])
          .on('issues/update', () => [200, { number: 1, state: 'closed' }]),
    });
    const dispatches = () => h!.fake.calls('actions/create-workflow-dispatch').map((d) => `${/workflows\/([^/]+)\//.exec(d.path)![1]}@${(d.body as { ref: string }).ref}`);
    const step = (event: string, payload: Record<string, any>) => h!.step(event, payload);

    // The label: the convoy exists, its ready bead starts, the Polecat job is dispatched on the convoy branch.
    await step('issues', epicLabeled());
    expect(dispatches()).toEqual([`polecat.yml@${BRANCH}`]);
    expect((await remoteBead(bare)).status).toBe('in_progress');

    // The run is cancelled: retried (one new dispatch for the new attempt); a redelivery changes nothing.
    const cancelled = run('polecat', 'cancelled', 101);
    await step('workflow_run', cancelled);
    expect(dispatches()).toEqual([`polecat.yml@${BRANCH}`, `polecat.yml@${BRANCH}`]);
    expect((await remoteBead(bare)).lifecycle).toMatchObject({ step: 'code', tries: 1 });

    // The runner pushes the code; the PR opens; the review job is dispatched on the default branch.
    await runnerPushesCode(bare, join(root, 'runner'));
    await step('pull_request', prEvent('opened', { number: 5, head: `polecat/${BEAD}`, base: BRANCH }));
    expect(dispatches().at(-1)).toBe('refinery-review.yml@main');
    await step('workflow_run', run('polecat', 'success', 102));
    expect(dispatches()).toHaveLength(3);

    // A person requests changes: the Polecat runs again with the review comments as feedback.
    await step('pull_request_review', review('changes_requested', 'Not quite.'));
    expect(dispatches().at(-1)).toBe(`polecat.yml@${BRANCH}`);
    const revised = await remoteBead(bare);
    expect(revised.status).toBe('in_progress');
    expect(revised.lifecycle).toMatchObject({ step: 'code', revisions: 1 });
    expect(revised.lifecycle?.feedback).toContain('scripts/combo_counter.gd:12: Use MAX_MULTIPLIER here.');

    // Second attempt: pushed, approved, merged -> the bead is done and the convoy is delivered.
    await runnerPushesCode(bare, join(root, 'runner'));
    await step('pull_request_review', review('approved', 'Good now.'));
    await step('pull_request', prEvent('closed', { number: 5, head: `polecat/${BEAD}`, base: BRANCH, merged: true }));
    expect((await remoteBead(bare)).status).toBe('done');
    const convoyPr = pulls.find((p) => p.head === BRANCH)!;
    expect(convoyPr.base).toBe('main');
    expect(convoyPr.body).toContain(`| \`${BEAD}\` | Add ComboCounter.bonus_points() | done | #5 |`);
    expect(convoyPr.body).toContain('approved by human');
    expect(h.comments.find((c) => c.body.startsWith('<!-- gth:epic-progress -->'))!.body).toContain('1 of 1 beads done.');

    // The convoy PR merges: the epic is closed.
    await step('pull_request', prEvent('closed', { number: convoyPr.number, head: BRANCH, base: 'main', merged: true }));
    const closes = h.fake.calls('issues/update');
    expect(closes.map((c) => [c.path, c.body])).toEqual([['/repos/Codertocat/Hello-World/issues/1', { state: 'closed', state_reason: 'completed' }]]);
    // Exactly one dispatch per attempt: polecat r0t1, r0t2, review, polecat r1t1 (the second review waits for a new PR event).
    expect(dispatches()).toEqual([`polecat.yml@${BRANCH}`, `polecat.yml@${BRANCH}`, 'refinery-review.yml@main', `polecat.yml@${BRANCH}`]);
    expect(h.fake.violations).toEqual([]);
  }, 120_000);
});
