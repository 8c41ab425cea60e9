// `gth job refinery-review` on the runner with the real Refinery: a checkout of the default branch, the PR head fetched
// from a bare remote into a throwaway worktree, rig.yml and its tests from the PR's base, the review posted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { makeGodotShim } from '../../unit/agents/helpers/godot-shim.js';
import { FakeGitHub } from '../../support/github-fake.js';
import { BEAD, CONVOY, gitIn, makeTown, registerServer, seedConvoy } from '../../support/github-town.js';
import { createReviewJobRunner } from '../../../src/github/review-job.js';

let root: string;
let refinery: FakeLlama;
let shim: string;

const REVIEW = (line: number) => ({
  verdict: 'approve',
  summary: 'Small and focused.',
  comments: [
    { path: 'scripts/combo_counter.gd', line, body: 'Name the 50 as a constant.' },
    { path: 'README.md', line: 3, body: 'Mention the bonus in the README.' },
  ],
  coverage: { ok: true, detail: 'looks covered' },
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-engine-review-'));
  shim = makeGodotShim();
});
afterAll(async () => {
  await refinery?.close();
  await rm(root, { recursive: true, force: true });
});

describe('gth job refinery-review with the real Refinery', () => {
  it("reviews the PR head against the base branch's tests even when the PR replaces the test command, and anchors line comments in the diff", async () => {
    const { bare, work } = await makeTown(root);
    await seedConvoy(work);
    // The Polecat's branch: bonus_points() with the wrong arithmetic, so the tests written first fail...
    await gitIn(work, 'checkout', '-q', '-b', `polecat/${BEAD}`);
    const file = join(work, 'scripts/combo_counter.gd');
    const code = `${await readFile(file, 'utf8')}\n\n## Bonus for long combos.\nfunc bonus_points() -> int:\n\treturn 50 * combo\n`;
    await writeFile(file, code);
    const bonusLine = code.split('\n').indexOf('func bonus_points() -> int:') + 1;
    // ...and a rig.yml whose test command always passes: it must not be the one that judges this PR.
    const rigYml = join(work, '.gastown/rig.yml');
    await writeFile(rigYml, (await readFile(rigYml, 'utf8')).replace(/command:\n(\s+- .*\n)+/, 'command: ["true"]\n'));
    await gitIn(work, 'commit', '-qam', 'bonus points');
    await gitIn(work, 'push', '-q', 'origin', `polecat/${BEAD}`);
    const headSha = await gitIn(work, 'rev-parse', 'HEAD');

    // The workflow's checkout: the default branch, as actions/checkout leaves it.
    const checkout = join(root, 'runner');
    await execa('git', ['clone', '-q', '--branch', 'main', bare, checkout]);

    refinery = await startFakeLlama({ script: { rules: [{ match: 'Review the change for bead', reply: JSON.stringify(REVIEW(bonusLine)) }], default: '{}' } });
    const runtime = join(root, 'runtime');
    registerServer(runtime, 'DeepSeek-R1-Distill-Qwen-32B', refinery.url, 'cpu');
    const fake = new FakeGitHub()
      .on('pulls/get', () => [200, {
        number: 2,
        head: { ref: `polecat/${BEAD}`, sha: headSha, repo: { full_name: 'Codertocat/Hello-World' } },
        base: { ref: `convoy/${CONVOY}`, sha: '1'.repeat(40), repo: { full_name: 'Codertocat/Hello-World' } },
      }])
      .on('pulls/create-review', () => [200, { id: 80, state: 'CHANGES_REQUESTED' }])
      .start();
    const temp = join(root, 'runner-temp');
    try {
      const result = await createReviewJobRunner({ log: pino({ level: 'silent' }) }).review(
        { pr: 2, beadId: BEAD, cwd: checkout },
        {
          PATH: `${shim}:${process.env.PATH ?? ''}`, HOME: process.env.HOME, GTH_STATE_DIR: runtime, GTH_LEDGER: join(root, 'ledger.jsonl'),
          RUNNER_TEMP: temp, GTH_GITHUB_TOKEN: 'ghs_installation', GITHUB_REPOSITORY: 'Codertocat/Hello-World',
        },
      );
      expect(result.ok).toBe(true);
      expect(result.summary).toMatch(/^request_changes: .*\(review posted on PR #2\)$/);

      // The Refinery saw the bead, the diff and the failing run of the base branch's GUT tests.
      expect(refinery.requests).toHaveLength(1);
      const prompt = JSON.stringify(refinery.requests[0]);
      expect(prompt).toContain(`Review the change for bead ${BEAD}`);
      expect(prompt).toContain('+\\treturn 50 * combo');
      expect(prompt).toContain('test_bonus_per_full_level');

      const reviews = fake.calls('pulls/create-review');
      expect(reviews).toHaveLength(1);
      const body = reviews[0]!.body as { commit_id: string; event: string; body: string; comments: unknown[] };
      // The model approved, but the base branch's tests fail on this code: the measured result wins.
      expect(body.event).toBe('REQUEST_CHANGES');
      expect(body.commit_id).toBe(headSha);
      expect(body.comments).toContainEqual({ path: 'scripts/combo_counter.gd', line: bonusLine, side: 'RIGHT', body: 'Name the 50 as a constant.' });
      // README.md is not part of this PR: GitHub would reject that line comment, so it goes into the body.
      expect(body.body).toContain('`README.md:3`: Mention the bonus in the README.');
      expect(fake.violations).toEqual([]);
      // The checkout the workflow made stays on the default branch; the throwaway worktree is gone.
      expect(await gitIn(checkout, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
      expect(existsSync(join(temp, 'gth-review')) ? await readdir(join(temp, 'gth-review')) : []).toEqual([]);
    } finally {
      fake.stop();
    }
  }, 60_000);

  it('refuses a PR from a fork before fetching or running anything', async () => {
    const { bare } = await makeTown(await mkdtemp(join(root, 'refuse-')));
    const checkout = join(root, 'refuse-runner');
    await execa('git', ['clone', '-q', bare, checkout]);
    const fake = new FakeGitHub()
      .on('pulls/get', () => [200, {
        number: 3,
        head: { ref: 'polecat/am-other', sha: '2'.repeat(40), repo: { full_name: 'mallory/Hello-World' } },
        base: { ref: 'main', sha: '1'.repeat(40), repo: { full_name: 'Codertocat/Hello-World' } },
      }])
      .start();
    const env = { PATH: process.env.PATH, GTH_GITHUB_TOKEN: 'ghs_x', GITHUB_REPOSITORY: 'Codertocat/Hello-World', RUNNER_TEMP: join(root, 'refuse-temp') };
    const runner = createReviewJobRunner({ log: pino({ level: 'silent' }), models: async () => { throw new Error('no model may be asked'); } });
    try {
      expect(await runner.review({ pr: 3, beadId: null, cwd: checkout }, env)).toEqual({ ok: false, summary: 'PR #3 comes from a fork: it is never reviewed on the self-hosted runner' });
      expect(fake.calls('pulls/create-review')).toHaveLength(0);
    } finally {
      fake.stop();
    }
  }, 60_000);
});
