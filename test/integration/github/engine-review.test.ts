// `/refinery review` with the real Refinery: the PR branch fetched from a bare remote, the rig's tests run (GUT stand-in), the verdict from the stand-in llama-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { envWithShim, makeGodotShim } from '../../unit/agents/helpers/godot-shim.js';
import { createGithubEngine } from '../../../src/agents/engine/github-adapter.js';
import { LiveRouter } from '../../../src/agents/engine/live-router.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { loadProvidersConfig } from '../../../src/providers/config.js';
import { deliver, examplePayload } from '../../support/github-webhooks.js';
import { BEAD, CONVOY, gitIn, makeTown, registerServer, seedConvoy } from '../../support/github-town.js';
import { SECRET, startHarness } from './harness.js';

let root: string;
let refinery: FakeLlama;
let bonusLine = 0;

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
});
afterAll(async () => {
  await refinery?.close();
  await rm(root, { recursive: true, force: true });
});

describe('/refinery review with the real Refinery', () => {
  it('runs the tests on the PR head and posts the verdict with line comments anchored in the diff', async () => {
    const { bare, work } = await makeTown(root);
    await seedConvoy(work);
    // The Polecat's branch: bonus_points() with the wrong arithmetic, so the tests written first fail.
    await gitIn(work, 'checkout', '-q', '-b', `polecat/${BEAD}`);
    const file = join(work, 'scripts/combo_counter.gd');
    const code = `${await readFile(file, 'utf8')}\n\n## Bonus for long combos.\nfunc bonus_points() -> int:\n\treturn 50 * combo\n`;
    await writeFile(file, code);
    bonusLine = code.split('\n').indexOf('func bonus_points() -> int:') + 1;
    await gitIn(work, 'commit', '-qam', 'bonus points');
    await gitIn(work, 'push', '-q', 'origin', `polecat/${BEAD}`);
    const headSha = await gitIn(work, 'rev-parse', 'HEAD');

    refinery = await startFakeLlama({ script: { rules: [{ match: 'Review the change for bead', reply: JSON.stringify(REVIEW(bonusLine)) }], default: '{}' } });
    const runtime = join(root, 'runtime');
    registerServer(runtime, 'DeepSeek-R1-Distill-Qwen-32B', refinery.url, 'cpu');
    const raw = { file: null, data: {} };
    const router = new LiveRouter({ fleet: loadFleetConfig(raw), providers: loadProvidersConfig(raw), stateDir: runtime, deps: { env: {}, sleep: async () => undefined } });
    const engine = createGithubEngine({ stateDir: join(root, 'app'), router: () => router, log: pino({ level: 'silent' }), remoteUrl: () => bare, env: envWithShim(makeGodotShim()) });
    const h = await startHarness(engine);
    try {
      h.fake
        .on('reactions/create-for-issue-comment', () => [201, { id: 1, content: 'eyes' }])
        .on('pulls/get', () => [200, {
          number: 2,
          head: { ref: `polecat/${BEAD}`, sha: headSha, repo: { full_name: 'Codertocat/Hello-World' } },
          base: { ref: `convoy/${CONVOY}`, sha: '1'.repeat(40), repo: { full_name: 'Codertocat/Hello-World' } },
        }])
        .on('pulls/create-review', () => [200, { id: 80, state: 'CHANGES_REQUESTED' }]);
      const cmd = examplePayload('issue_comment', 'created');
      cmd.issue.number = 2;
      cmd.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
      cmd.comment.body = '/refinery review';
      expect((await deliver(h.url, SECRET, 'issue_comment', cmd)).status).toBe(200);
      await h.server.app.queue.idle();

      // The Refinery saw the bead, the diff and the failing test run.
      expect(refinery.requests).toHaveLength(1);
      const prompt = JSON.stringify(refinery.requests[0]);
      expect(prompt).toContain(`Review the change for bead ${BEAD}`);
      expect(prompt).toContain('+\\treturn 50 * combo');
      expect(prompt).toContain('test_bonus_per_full_level');

      const reviews = h.fake.calls('pulls/create-review');
      expect(reviews).toHaveLength(1);
      const body = reviews[0]!.body as { commit_id: string; event: string; body: string; comments: unknown[] };
      // The model approved, but the tests fail: the measured result wins.
      expect(body.event).toBe('REQUEST_CHANGES');
      expect(body.commit_id).toBe(headSha);
      expect(body.comments).toEqual([{ path: 'scripts/combo_counter.gd', line: bonusLine, side: 'RIGHT', body: 'Name the 50 as a constant.' }]);
      // README.md is not part of this PR: GitHub would reject that line comment, so it goes into the body.
      expect(body.body).toContain('`README.md:3`: Mention the bonus in the README.');
      expect(body.body).toContain('changes requested');
      expect(h.comments).toHaveLength(0);
      expect(h.fake.violations).toEqual([]);
    } finally {
      await h.close();
    }
  }, 60_000);
});
