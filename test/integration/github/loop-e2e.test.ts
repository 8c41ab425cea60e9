// The GitHub loop closes by itself: an epic of three beads driven by webhooks, the test playing the runner with
// `gth job` (a real child process, stand-in llama-servers as the Refinery and the coder, the GUT stand-in as godot) for
// each dispatch the fake GitHub records, with one request for changes, one cancelled run and an app restart mid-convoy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { makeGodotShim } from '../../unit/agents/helpers/godot-shim.js';
import { gth } from '../../support/cli.js';
import { deliver, examplePayload } from '../../support/github-webhooks.js';
import { BEAD, BONUS_TEST, CONVOY, bonusEdit, gitIn, makeTown, registerServer, runnerJobEnv, seedConvoy } from '../../support/github-town.js';
import { createGithubEngine } from '../../../src/github/engine.js';
import { createGithubLifecycle } from '../../../src/github/convoy-driver.js';
import { TownRepos } from '../../../src/github/town-repo.js';
import { DEFAULT_POLICY } from '../../../src/lifecycle/machine.js';
import { BeadStore } from '../../../src/beads/store.js';
import { parseBeadText } from '../../../src/beads/serialize.js';
import { PROGRESS_MARKER } from '../../../src/github/progress-comment.js';
import { SECRET, startHarness, type Comment, type Harness } from './harness.js';

const BRANCH = `convoy/${CONVOY}`;
const SECOND = 'am-bonus2';
const THIRD = 'am-bonus3';
const POLICY = { ...DEFAULT_POLICY, backoffMs: 0 };
const BOT = { login: 'gastown-hybrid[bot]', id: 12345, type: 'Bot' };

let root: string;
let coder: FakeLlama;
let shim: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-loop-e2e-'));
  shim = makeGodotShim();
  coder = await startFakeLlama({
    script: {
      rules: [
        // The third bead's tests, written first by the Refinery's runner job.
        { match: 'Write the tests first for bead', reply: JSON.stringify({ summary: 'bonus per level', files: [{ path: 'test/unit/test_combo_bonus3.gd', content: BONUS_TEST }], edits: '' }) },
        { match: 'Answer only with search/replace edit blocks', reply: bonusEdit('50 * (combo / hits_per_level)') },
      ],
      default: '',
    },
  });
});
afterAll(async () => {
  await coder?.close();
  await rm(root, { recursive: true, force: true });
});

const onMain = (p: Record<string, any>): Record<string, any> => ((p.repository.default_branch = 'main'), p);

function runCompleted(job: string, bead: string, conclusion: string, runId: number): Record<string, any> {
  const p = onMain(examplePayload('workflow_run', 'completed', 0));
  Object.assign(p.workflow_run, {
    id: runId, path: `.github/workflows/${job}.yml`, event: 'workflow_dispatch', display_title: `${job} ${bead} (convoy ${CONVOY})`,
    head_branch: job === 'refinery-review' ? 'main' : BRANCH, conclusion, status: 'completed',
  });
  return p;
}

function prOpened(bead: string, number: number): Record<string, any> {
  const p = onMain(examplePayload('pull_request', 'opened', 1));
  Object.assign(p.pull_request, { number, merged: false });
  p.pull_request.head.ref = `polecat/${bead}`;
  p.pull_request.base.ref = BRANCH;
  return p;
}

function prClosed(head: string, base: string, number: number): Record<string, any> {
  const p = onMain(examplePayload('pull_request', 'closed', 0));
  Object.assign(p.pull_request, { number, merged: true });
  p.pull_request.head.ref = head;
  p.pull_request.base.ref = base;
  return p;
}

/** The Refinery's verdict as GitHub reports it: a review by the app's bot on the bead PR. */
function botReview(bead: string, number: number, state: 'changes_requested' | 'approved', body: string): Record<string, any> {
  const p = onMain(examplePayload('pull_request_review', 'submitted'));
  Object.assign(p.review, { state, body, user: { ...p.review.user, ...BOT } });
  p.pull_request.head.ref = `polecat/${bead}`;
  p.pull_request.base.ref = BRANCH;
  p.pull_request.number = number;
  return p;
}

/** Two more Polecat beads on the seeded convoy: the second like the first, the third without its tests yet and waiting for the first. */
async function seedThreeBeads(work: string): Promise<void> {
  await seedConvoy(work);
  const store = new BeadStore({ dir: join(work, 'beads'), actor: 'mayor' });
  const like = await store.get(BEAD);
  const copy = { title: like.title, description: like.description, type: like.type, role: like.role, rig: like.rig, convoy: CONVOY, files: like.files, acceptance: like.acceptance, labels: like.labels };
  await store.createMany([{ ...copy, id: SECOND }, { ...copy, id: THIRD, files: ['scripts/combo_counter.gd'], labels: like.labels.filter((l) => l !== 'tests-written'), dependencies: [{ id: BEAD, kind: 'blocks' as const }] }], { by: 'mayor' });
  await store.addToConvoy(CONVOY, [SECOND, THIRD]);
  await gitIn(work, 'add', '-A');
  await gitIn(work, 'commit', '-qm', 'convoy am-cv1: three beads');
  await gitIn(work, 'push', '-q', 'origin', BRANCH);
}

describe('the GitHub loop closes by itself', () => {
  let h: Harness | undefined;
  afterAll(async () => h?.close());

  it('takes an epic of three beads from the label to one convoy PR, through changes requested, a cancelled run and a restart', async () => {
    const { bare, work } = await makeTown(root);
    await seedThreeBeads(work);
    const stateDir = join(root, 'app');
    const runtimeDir = join(root, 'runtime');
    registerServer(runtimeDir, 'Qwen2.5-Coder-3B-Instruct', coder.url);
    registerServer(runtimeDir, 'DeepSeek-R1-Distill-Qwen-32B', coder.url, 'cpu');
    registerServer(runtimeDir, 'SmolLM2-1.7B-Instruct', coder.url, 'cpu');
    const log = pino({ level: 'silent' });
    // What GitHub holds across the app's restart: comments, PRs, dispatches.
    const comments: Comment[] = [];
    const pulls: { number: number; head: string; base: string; body: string }[] = [];
    const dispatches: string[] = [];
    const violations: string[] = [];
    const startApp = async (recover: boolean) => {
      const base = createGithubEngine({ stateDir, router: () => { throw new Error('no model in this test'); }, log, remoteUrl: () => bare });
      const lifecycle = createGithubLifecycle({ towns: new TownRepos({ stateDir, remoteUrl: () => bare }), log, policy: POLICY });
      return startHarness({ ...base, lifecycle }, {
        stateDir, comments, recover,
        setup: (fake) =>
          fake
            .on('actions/create-workflow-dispatch', (req) => {
              const body = req.body as { ref: string; inputs: { bead: string } };
              dispatches.push(`${/workflows\/([^/]+)\.yml\//.exec(req.path)![1]} ${body.inputs.bead}@${body.ref}`);
              return [204];
            })
            .on('pulls/list', () => [200, []])
            .on('pulls/create', (req) => {
              const b = req.body as { head: string; base: string; body: string };
              pulls.push({ number: 90 + pulls.length, head: b.head, base: b.base, body: b.body });
              return [201, { number: 90 + pulls.length - 1, html_url: 'https://github.com/Codertocat/Hello-World/pull/90' }];
            })
            .on('pulls/list-comments-for-review', () => [200, [{ id: 1, path: 'scripts/combo_counter.gd', line: 12, original_line: 12, body: 'Name the 50.' }]])
            .on('issues/update', () => [200, { number: 1, state: 'closed' }])
            // Restart recovery: one installation, one repository, the epic still open and labelled.
            .on('apps/list-installations', () => [200, [{ id: 1, account: { login: 'Codertocat' } }]])
            .on('apps/list-repos-accessible-to-installation', () => [200, { total_count: 1, repositories: [{ name: 'Hello-World', full_name: 'Codertocat/Hello-World', owner: { login: 'Codertocat' } }] }])
            .on('issues/list-for-repo', () => [200, [{ number: 1, title: 'Combo streak bonus', body: 'Bonus points.', state: 'open', labels: [{ name: 'epic' }] }]])
            .on('issues/list-events', () => [200, [{ id: 1, event: 'labeled', label: { name: 'epic', color: 'fff' }, actor: { login: 'Codertocat', type: 'User' } }]]),
      });
    };
    const step = async (event: string, payload: Record<string, any>) => {
      expect((await deliver(h!.url, SECRET, event, payload)).status).toBe(200);
      await h!.server.app.queue.idle();
    };
    const remoteBead = async (id: string) => parseBeadText(await gitIn(bare, 'show', `${BRANCH}:beads/${id}.json`), 'remote');
    let runs = 0;
    /** The runner: a fresh checkout of the convoy branch and `gth job <kind>`, as .github/workflows/<kind>.yml runs it. */
    const runnerJob = async (bead: string, kind: 'polecat' | 'refinery-tests' = 'polecat') => {
      const dir = join(root, `runner-${++runs}`);
      await execa('git', ['clone', '-q', '--branch', BRANCH, bare, dir]);
      const env = runnerJobEnv({ shim, stateDir: runtimeDir, ledger: join(root, 'ledger.jsonl'), worktrees: join(root, `worktrees-${runs}`) });
      const res = await gth(['job', kind, '--bead', bead, '--json'], { cwd: dir, env });
      expect(res.stderr).toBe('');
      expect(res.exitCode).toBe(0);
      expect((await remoteBead(bead)).status).toBe(kind === 'polecat' ? 'review' : 'in_progress');
    };

    h = await startApp(false);
    // The label: the two unblocked beads start, each Polecat job dispatched once on the convoy branch.
    const label = onMain(examplePayload('issues', 'labeled'));
    label.label.name = 'epic';
    await step('issues', label);
    expect(dispatches).toEqual([`polecat ${BEAD}@${BRANCH}`, `polecat ${SECOND}@${BRANCH}`]);
    expect((await remoteBead(THIRD)).status).toBe('open');

    // The second bead's run is cancelled before it did anything: one new dispatch for its next try.
    await step('workflow_run', runCompleted('polecat', SECOND, 'cancelled', 201));
    expect(dispatches.slice(2)).toEqual([`polecat ${SECOND}@${BRANCH}`]);

    // The first bead's job runs; its PR opens; the review is dispatched; its run completes.
    await runnerJob(BEAD);
    await step('pull_request', prOpened(BEAD, 11));
    await step('workflow_run', runCompleted('polecat', BEAD, 'success', 202));
    expect(dispatches.slice(3)).toEqual([`refinery-review ${BEAD}@main`]);

    // The app is stopped and started again mid-convoy: recovery resumes the epic and dispatches nothing twice.
    violations.push(...h.fake.violations);
    await h.close();
    h = await startApp(true);
    expect(await h.server.recovered).toEqual([{ epic: 'Codertocat/Hello-World#1', outcome: 'resumed' }]);
    expect(dispatches).toHaveLength(4);

    // The Refinery requests changes on the first bead: its Polecat runs again with the comments.
    await step('pull_request_review', botReview(BEAD, 11, 'changes_requested', 'Not quite.'));
    await step('workflow_run', runCompleted('refinery-review', BEAD, 'success', 203));
    expect(dispatches.slice(4)).toEqual([`polecat ${BEAD}@${BRANCH}`]);
    expect((await remoteBead(BEAD)).lifecycle).toMatchObject({ step: 'code', revisions: 1 });
    expect((await remoteBead(BEAD)).lifecycle?.feedback).toContain('scripts/combo_counter.gd:12: Name the 50.');

    // The second bead's retry runs, its PR opens and is approved and merged.
    await runnerJob(SECOND);
    await step('pull_request', prOpened(SECOND, 12));
    await step('workflow_run', runCompleted('polecat', SECOND, 'success', 204));
    await step('pull_request_review', botReview(SECOND, 12, 'approved', 'Good.'));
    await step('workflow_run', runCompleted('refinery-review', SECOND, 'success', 205));
    await step('pull_request', prClosed(`polecat/${SECOND}`, BRANCH, 12));
    expect((await remoteBead(SECOND)).status).toBe('done');

    // The first bead's second attempt: pushed to the same PR, reviewed again, approved, merged; the third bead starts.
    await runnerJob(BEAD);
    await step('workflow_run', runCompleted('polecat', BEAD, 'success', 206));
    await step('pull_request_review', botReview(BEAD, 11, 'approved', 'Good now.'));
    await step('workflow_run', runCompleted('refinery-review', BEAD, 'success', 207));
    await step('pull_request', prClosed(`polecat/${BEAD}`, BRANCH, 11));
    expect((await remoteBead(BEAD)).status).toBe('done');

    // The third bead had no tests: the Refinery's job writes them first, then its Polecat is dispatched.
    expect(dispatches.at(-1)).toBe(`refinery-tests ${THIRD}@${BRANCH}`);
    await runnerJob(THIRD, 'refinery-tests');
    expect((await remoteBead(THIRD)).lifecycle).toMatchObject({ step: 'code', job: 'polecat' });
    await step('workflow_run', runCompleted('refinery-tests', THIRD, 'success', 210));
    expect(dispatches.at(-1)).toBe(`polecat ${THIRD}@${BRANCH}`);
    await runnerJob(THIRD);
    await step('pull_request', prOpened(THIRD, 13));
    await step('workflow_run', runCompleted('polecat', THIRD, 'success', 208));
    await step('pull_request_review', botReview(THIRD, 13, 'approved', 'Fine.'));
    await step('workflow_run', runCompleted('refinery-review', THIRD, 'success', 209));
    await step('pull_request', prClosed(`polecat/${THIRD}`, BRANCH, 13));

    // Every bead done, nothing in progress; exactly one dispatch per attempt.
    for (const id of [BEAD, SECOND, THIRD]) expect((await remoteBead(id)).status).toBe('done');
    expect(dispatches).toEqual([
      `polecat ${BEAD}@${BRANCH}`, `polecat ${SECOND}@${BRANCH}`, `polecat ${SECOND}@${BRANCH}`, `refinery-review ${BEAD}@main`,
      `polecat ${BEAD}@${BRANCH}`, `refinery-review ${SECOND}@main`, `refinery-review ${BEAD}@main`,
      `refinery-tests ${THIRD}@${BRANCH}`, `polecat ${THIRD}@${BRANCH}`, `refinery-review ${THIRD}@main`,
    ]);
    // One convoy PR into main with the summary; the progress comment at 100%.
    const convoyPrs = pulls.filter((p) => p.head === BRANCH);
    expect(convoyPrs).toHaveLength(1);
    expect(convoyPrs[0]!.base).toBe('main');
    for (const [id, pr] of [[BEAD, 11], [SECOND, 12], [THIRD, 13]] as const) expect(convoyPrs[0]!.body).toContain(`| \`${id}\` | Add ComboCounter.bonus_points() | done | #${pr} |`);
    expect(convoyPrs[0]!.body).toContain('approved by refinery');
    const progress = comments.filter((c) => c.body.startsWith(PROGRESS_MARKER));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.body).toContain('3 of 3 beads done.');
    for (const id of [BEAD, SECOND, THIRD]) expect(progress[0]!.body).toContain(`- [x] \`${id}\``);

    // The convoy PR merges: the epic is closed.
    await step('pull_request', prClosed(BRANCH, 'main', convoyPrs[0]!.number));
    expect(h.fake.calls('issues/update').map((c) => [c.path, c.body])).toEqual([['/repos/Codertocat/Hello-World/issues/1', { state: 'closed', state_reason: 'completed' }]]);
    violations.push(...h.fake.violations);
    expect(violations).toEqual([]);
  }, 300_000);
});
