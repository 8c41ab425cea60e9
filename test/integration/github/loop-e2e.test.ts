// The GitHub loop closes by itself, from the real beginning: an issue labelled `epic`, the Crew and the Mayor planning
// it (stand-in Gemini) into a convoy of three beads, and then every runner dispatch the fake GitHub records, the review
// included, played by running `gth job <kind>` as a child process with the workflow's inputs (stand-in llama-servers as
// the Refinery and the coder, the GUT stand-in as godot). What a job does on GitHub (a PR opened, a review posted) comes
// back as the webhook GitHub would send, then its run's completion. Along the way: changes requested once, a run
// cancelled, the app restarted mid-convoy, review runs completing before their reviews' webhooks, and two runners at
// work at once where the convoy allows it (about 60 s here on an idle 2-core machine: eleven `gth job` processes).
// Played by the test, as a person would: merging a bead PR and the convoy PR (the `pull_request` closed webhook; the
// fake GitHub does not merge git branches, so each Polecat works from the convoy branch's plan and tests alone).
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { execa } from 'execa';
import nock from 'nock';
import { engineSandbox } from '../../support/engine-sandbox.js';
import { gth } from '../../support/cli.js';
import { epicLabeled } from '../../support/github-webhooks.js';
import { BONUS_TEST, bonusEdit, gitIn, makeTown, registerServer, runnerJobEnv } from '../../support/github-town.js';
import { GitHubModel, REPO, type ModelDispatch, type ModelPull } from '../../support/github-model.js';
import { LiveRouter } from '../../../src/agents/engine/live-router.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { loadProvidersConfig } from '../../../src/providers/config.js';
import { parseBeadText } from '../../../src/beads/serialize.js';
import { PROGRESS_MARKER } from '../../../src/github/progress-comment.js';
import { startLifecycleApp, type Comment, type Harness } from '../../support/github-harness.js';

const GEMINI = 'https://generativelanguage.googleapis.com';
const TITLES = { a: 'Add ComboCounter.bonus_points()', b: 'Bonus points on the combo HUD', c: 'Bonus points for streak medals' };
const TEST_FILE = { a: 'test/unit/test_combo_bonus.gd', b: 'test/unit/test_combo_bonus_hud.gd', c: 'test/unit/test_combo_bonus_medal.gd' };

function gemini(text: string): Record<string, unknown> {
  return { candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 900, candidatesTokenCount: 300, totalTokenCount: 1200 } };
}

const CREW = { answer: 'ComboCounter in scripts/combo_counter.gd counts hits; GUT tests live in test/unit.', found: true, citations: ['README.md'] };
const bead = (key: 'a' | 'b' | 'c', deps: string[]) => ({
  key, title: TITLES[key], description: '50 points per full level of hits.', type: 'feature', role: 'polecat', rig: 'aerobeat-mini',
  files: ['scripts/combo_counter.gd'], acceptance: ['0 below the first level', '50 points per full level'], deps, priority: 1,
});
const PLAN = { title: 'Combo streak bonus', plan: '## Goal\nBonus points for long combos.', beads: [bead('a', []), bead('b', []), bead('c', ['b'])] };

const tests = (key: 'a' | 'b' | 'c') => JSON.stringify({ summary: 'bonus per level', files: [{ path: TEST_FILE[key], content: BONUS_TEST }], edits: '' });
const verdict = (v: 'approve' | 'request_changes', summary: string, comments: { path: string; line: number; body: string }[] = []) =>
  JSON.stringify({ verdict: v, summary, comments, coverage: { ok: true, detail: 'the new tests cover bonus_points()' } });

// One stand-in llama-server plays the Refinery and the coder.
const box = engineSandbox('gth-loop-e2e-', {
  llama: {
    script: {
      rules: [
        // The Refinery writes each bead's tests first (one file per bead), then reviews: the first bead's first change is sent back once.
        ...(['a', 'b', 'c'] as const).map((k) => ({ match: `Write the tests first for bead \\S+: ${TITLES[k].replace(/[.()]/g, '\\$&')}`, reply: tests(k) })),
        { match: `Review the change for bead \\S+: ${TITLES.a.replace(/[.()]/g, '\\$&')}`, reply: verdict('request_changes', 'Not quite.', [{ path: 'scripts/combo_counter.gd', line: 32, body: 'Name the 50.' }]), times: 1 },
        { match: 'Review the change for bead', reply: verdict('approve', 'Good.') },
        { match: 'Answer only with search/replace edit blocks', reply: bonusEdit('50 * (combo / hits_per_level)') },
      ],
      default: '',
    },
  },
});

describe('the GitHub loop closes by itself', () => {
  let h: Harness | undefined;
  afterAll(async () => h?.close());

  it('takes a labelled issue through planning, every runner job and review to one convoy PR, through changes requested, a cancelled run and a restart', async () => {
    const { bare } = await makeTown(box.root);
    const stateDir = join(box.root, 'app');
    const runtimeDir = join(box.root, 'runtime');
    registerServer(runtimeDir, 'Qwen2.5-Coder-3B-Instruct', box.llama.url);
    registerServer(runtimeDir, 'DeepSeek-R1-Distill-Qwen-32B', box.llama.url, 'cpu');
    registerServer(runtimeDir, 'SmolLM2-1.7B-Instruct', box.llama.url, 'cpu');
    // What GitHub holds across the app's restart: comments, PRs, reviews, dispatches.
    const model = new GitHubModel(bare);
    const comments: Comment[] = [];
    const violations: string[] = [];
    const raw = { file: null, data: {} };
    const router = new LiveRouter({
      fleet: loadFleetConfig(raw), providers: loadProvidersConfig(raw), stateDir: join(box.root, 'app-runtime'),
      deps: { env: { GEMINI_API_KEY: 'test-key' }, sleep: async () => undefined },
    });
    let api = '';
    const startApp = async (recover: boolean) => {
      const started = await startLifecycleApp({
        bare, stateDir, router: () => router, comments, recover,
        setup: (fake) =>
          model
            .install(fake)
            // Restart recovery: one installation, one repository, the epic still open and labelled.
            .on('apps/list-installations', () => [200, [{ id: 1, account: { login: REPO.owner } }]])
            .on('apps/list-repos-accessible-to-installation', () => [200, { total_count: 1, repositories: [{ name: REPO.repo, full_name: `${REPO.owner}/${REPO.repo}`, owner: { login: REPO.owner } }] }])
            .on('issues/list-for-repo', () => [200, [{ number: 1, title: 'Combo streak bonus', body: 'Bonus points.', state: 'open', labels: [{ name: 'epic' }] }]])
            .on('issues/list-events', () => [200, [{ id: 1, event: 'labeled', label: { name: 'epic', color: 'fff' }, actor: { login: REPO.owner, type: 'User' } }]]),
      });
      // The runner jobs (child processes) reach the same fake over HTTP.
      api = await started.fake.listen();
      return started;
    };
    const step = (event: string, payload: Record<string, any>) => h!.step(event, payload);

    // Dispatches not yet looked at, as "<kind> <bead>@<ref>".
    let seen = 0;
    const next = (): ModelDispatch[] => model.dispatches.slice(seen, (seen = model.dispatches.length));
    const named = (ds: ModelDispatch[]) => ds.map((d) => `${d.kind} ${d.inputs.bead}@${d.ref}`);
    const forBead = (ds: ModelDispatch[], id: string) => ds.find((d) => d.inputs.bead === id)!;

    let runs = 0;
    /** One runner: a fresh checkout of the dispatch's ref and `gth job`, as .github/workflows/<kind>.yml runs it. */
    const runJob = async (d: ModelDispatch) => {
      const dir = join(box.root, `runner-${++runs}`);
      await execa('git', ['clone', '-q', '--branch', d.ref, bare, dir]);
      const args = d.kind === 'refinery-review' ? ['job', 'refinery-review', '--pr', d.inputs.pr!, '--bead', d.inputs.bead!] : ['job', d.kind, '--bead', d.inputs.bead!, '--attempt', d.inputs.attempt ?? ''];
      const env = runnerJobEnv({
        shim: box.shim, stateDir: runtimeDir, ledger: join(box.root, 'ledger.jsonl'), worktrees: join(box.root, `worktrees-${runs}`), temp: join(box.root, `temp-${runs}`),
        github: { apiUrl: api, token: 'ghs_installation', repository: `${REPO.owner}/${REPO.repo}` },
      });
      const res = await gth([...args, '--json'], { cwd: dir, env });
      expect(res.stderr).toBe('');
      expect(res.exitCode).toBe(0);
    };
    /**
     * Runners work on these dispatches at the same time; then GitHub's webhooks for what they did (PRs opened, reviews
     * posted), then each run's completion ("run-first": the completions before the reviews, as a slow webhook can come).
     */
    const play = async (ds: ModelDispatch[], order: 'events-first' | 'run-first' = 'events-first') => {
      const [pulls, reviews] = [model.pulls.length, model.reviews.length];
      await Promise.all(ds.map(runJob));
      const events: [string, Record<string, any>][] = [
        ...model.pulls.slice(pulls).map((p) => ['pull_request', model.pullRequestEvent(p, 'opened')] as [string, Record<string, any>]),
        ...model.reviews.slice(reviews).map((r) => ['pull_request_review', model.reviewEvent(r)] as [string, Record<string, any>]),
      ];
      const done = ds.map((d) => ['workflow_run', model.runCompleted(d, 'success')] as [string, Record<string, any>]);
      for (const [event, payload] of order === 'run-first' ? [...done, ...events] : [...events, ...done]) await step(event, payload);
    };
    /** A person merges the PR on GitHub. */
    const merge = async (p: ModelPull) => {
      Object.assign(p, { state: 'closed', merged: true });
      await step('pull_request', model.pullRequestEvent(p, 'closed'));
    };
    const prOf = (id: string) => model.pulls.find((p) => p.head === `polecat/${id}`)!;

    h = await startApp(false);
    // The label: the Crew and the Mayor plan the epic into a convoy of three beads on its own branch.
    const gem = nock(GEMINI)
      .post('/v1beta/models/gemini-3-flash-preview:generateContent').reply(200, gemini(JSON.stringify(CREW)))
      .post('/v1beta/models/gemini-3-pro-preview:generateContent').reply(200, gemini(JSON.stringify(PLAN)));
    await step('issues', epicLabeled());
    expect(gem.isDone()).toBe(true);
    const first = next();
    const convoyId = first[0]!.inputs.convoy!;
    const BRANCH = `convoy/${convoyId}`;
    const remoteBead = async (id: string) => parseBeadText(await gitIn(bare, 'show', `${BRANCH}:beads/${id}.json`), 'remote');
    const convoy = JSON.parse(await gitIn(bare, 'show', `${BRANCH}:beads/convoys/${convoyId}.json`)) as { beads: string[] };
    expect(convoy.beads).toHaveLength(3);
    const byTitle = async (t: string) => (await Promise.all(convoy.beads.map(remoteBead))).find((b) => b.title === t)!.id;
    const [A, B, C] = [await byTitle(TITLES.a), await byTitle(TITLES.b), await byTitle(TITLES.c)];
    // The two unblocked beads start with their tests, each job dispatched once on the convoy branch; the third waits for the second.
    expect(named(first).sort()).toEqual([`refinery-tests ${A}@${BRANCH}`, `refinery-tests ${B}@${BRANCH}`].sort());
    expect((await remoteBead(C)).status).toBe('open');

    // The second bead's run is cancelled before it did anything: one new dispatch for its next try.
    await step('workflow_run', model.runCompleted(forBead(first, B), 'cancelled'));
    const retried = next();
    expect(named(retried)).toEqual([`refinery-tests ${B}@${BRANCH}`]);

    // Two runners write the tests of both beads at once; both Polecats are dispatched.
    await play([forBead(first, A), retried[0]!]);
    const polecats = next();
    expect(named(polecats).sort()).toEqual([`polecat ${A}@${BRANCH}`, `polecat ${B}@${BRANCH}`].sort());

    // Both Polecats run and open their PRs; each review is dispatched on the default branch with its PR.
    await play(polecats);
    const reviews = next();
    expect(named(reviews).sort()).toEqual([`refinery-review ${A}@main`, `refinery-review ${B}@main`].sort());
    for (const id of [A, B]) expect(forBead(reviews, id).inputs.pr).toBe(String(prOf(id).number));

    // The app is stopped and started again mid-convoy: recovery resumes the epic and dispatches nothing twice.
    violations.push(...h.fake.violations);
    await h.close();
    h = await startApp(true);
    expect(await h.server.recovered).toEqual([{ epic: `${REPO.owner}/${REPO.repo}#1`, outcome: 'resumed' }]);
    expect(next()).toEqual([]);

    // Both review jobs post their verdicts, and the runs' completions arrive before the reviews' webhooks: the first
    // bead's changes requested send it back to its Polecat once, with the comments; the second bead waits for its
    // merge. The late webhooks change nothing.
    await play(reviews, 'run-first');
    const revise = next();
    expect(named(revise)).toEqual([`polecat ${A}@${BRANCH}`]);
    expect((await remoteBead(A)).lifecycle).toMatchObject({ step: 'code', revisions: 1, tries: 0 });
    expect((await remoteBead(A)).lifecycle?.feedback).toContain('Name the 50.');
    expect((await remoteBead(B)).lifecycle).toMatchObject({ step: 'merge', tries: 0 });

    // A person merges the second bead's PR: the third bead, which waited for it, starts with its tests.
    await merge(prOf(B));
    expect((await remoteBead(B)).status).toBe('done');
    const testsC = next();
    expect(named(testsC)).toEqual([`refinery-tests ${C}@${BRANCH}`]);

    // Two runners again: the first bead's second attempt (pushed to the same PR) and the third bead's tests.
    await play([...revise, ...testsC]);
    expect(model.pulls.filter((p) => p.head === `polecat/${A}`)).toHaveLength(1);
    const then = next();
    expect(named(then).sort()).toEqual([`refinery-review ${A}@main`, `polecat ${C}@${BRANCH}`].sort());

    // The first bead's second review (its webhook first this time) approves it, while the third bead's Polecat opens its PR.
    await play(then);
    await merge(prOf(A));
    expect((await remoteBead(A)).status).toBe('done');
    const reviewC = next();
    expect(named(reviewC)).toEqual([`refinery-review ${C}@main`]);
    await play(reviewC);
    await merge(prOf(C));

    // Every bead done, nothing in progress; exactly one dispatch per attempt.
    for (const id of [A, B, C]) expect((await remoteBead(id)).status).toBe('done');
    // (Beads started together are dispatched in id order, so the list is compared sorted; each step above checked the order.)
    expect(named(model.dispatches).sort()).toEqual([
      `refinery-tests ${A}@${BRANCH}`, `refinery-tests ${B}@${BRANCH}`, `refinery-tests ${B}@${BRANCH}`,
      `polecat ${A}@${BRANCH}`, `polecat ${B}@${BRANCH}`, `refinery-review ${A}@main`,
      `polecat ${A}@${BRANCH}`, `refinery-review ${B}@main`, `refinery-review ${A}@main`,
      `refinery-tests ${C}@${BRANCH}`, `polecat ${C}@${BRANCH}`, `refinery-review ${C}@main`,
    ].sort());
    // Each review was posted by its job: A's twice (changes, then approved), B's and C's once.
    expect(model.reviews.map((r) => `${r.pr} ${r.state}`).sort()).toEqual([
      `${prOf(A).number} CHANGES_REQUESTED`, `${prOf(B).number} APPROVED`, `${prOf(A).number} APPROVED`, `${prOf(C).number} APPROVED`,
    ].sort());
    // One convoy PR into main with the summary; the progress comment at 100%.
    const convoyPrs = model.pulls.filter((p) => p.head === BRANCH);
    expect(convoyPrs).toHaveLength(1);
    expect(convoyPrs[0]!.base).toBe('main');
    for (const [id, t] of [[A, TITLES.a], [B, TITLES.b], [C, TITLES.c]] as const) expect(convoyPrs[0]!.body).toContain(`| \`${id}\` | ${t} | done | #${prOf(id).number} |`);
    expect(convoyPrs[0]!.body).toContain('approved by refinery');
    expect(convoyPrs[0]!.body).toContain('Bonus points for long combos.');
    const progress = comments.filter((c) => c.body.startsWith(PROGRESS_MARKER));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.body).toContain('3 of 3 beads done.');
    for (const id of [A, B, C]) expect(progress[0]!.body).toContain(`- [x] \`${id}\``);

    // The convoy PR merges: the epic is closed.
    await merge(convoyPrs[0]!);
    expect(model.closedIssues).toEqual([1]);
    violations.push(...h.fake.violations);
    expect(violations).toEqual([]);
  }, 600_000);
});
