// The engine killed mid-convoy leaves nothing half-written and a rerun resumes; garbage answers end cleanly.
import { describe, it, expect } from 'vitest';
import nock from 'nock';
import { join } from 'node:path';
import { execa } from 'execa';
import { envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { engineSandbox } from '../../support/engine-sandbox.js';
import { runEpic } from '../../../src/agents/engine/run-epic.js';
import { planEpic, epicFromText } from '../../../src/agents/engine/mayor.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { BeadStore } from '../../../src/beads/store.js';
import { TSX_LOADER, repoRoot } from '../../support/cli.js';
import { HOST, log, gemini, EPIC, PLAN, RIGHT, CPU_RULES, setupRig, ladderRouter } from '../../support/engine-fixture.js';

const box = engineSandbox('gth-resume-');

/** Plans the epic in-process (Gemini over nock), so child runs find the convoy and need no cloud model. */
async function planned(town: string, rig: string) {
  nock(HOST).post('/v1beta/models/gemini-3-pro-preview:generateContent').reply(200, gemini(JSON.stringify(PLAN)));
  const cpu = await box.serve({ script: { rules: CPU_RULES, default: '{}' } });
  const router = ladderRouter({ small: cpu.url, big: cpu.url, cpu: cpu.url });
  const store = new BeadStore({ dir: join(town, 'beads'), actor: 'engine' });
  const mayor = (await router.choose('mayor', 0))!;
  const out = await planEpic({ choice: mayor, store, epic: epicFromText(EPIC), rigs: [loadRigConfig(rig)], crew: [], brief: briefText, commit: false });
  return { store, convoy: out.convoy, cpu };
}

describe('engine crash and garbage', () => {
  it('a run killed with SIGKILL mid-convoy leaves consistent beads, and a rerun resumes and finishes', async () => {
    const { rig, town } = await setupRig(box.root);
    const { store, cpu } = await planned(town, rig);
    const hang = await box.serve({ hang: true });
    const good = await box.serve({ script: { rules: [{ match: 'Answer only with search/replace edit blocks', reply: RIGHT }], default: '' } });
    const child = execa(process.execPath, ['--import', TSX_LOADER, join(repoRoot, 'test', 'support', 'engine-child.ts')], {
      reject: false,
      env: { ENGINE_CHILD_ARGS: JSON.stringify({ epicText: EPIC, rig, town, urls: { small: hang.url, big: hang.url, cpu: cpu.url }, path: envWithShim(box.shim).PATH }) },
    });
    // Wait until the Polecat bead is claimed and its model call is hanging, then kill the engine.
    const deadline = Date.now() + 60_000;
    let claimed = false;
    while (!claimed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      // Tests written and the Polecat's call hanging: the bead is in progress at its code step.
      claimed = (await store.list()).some((b) => b.role === 'polecat' && b.status === 'in_progress' && b.lifecycle?.step === 'code');
    }
    expect(claimed).toBe(true);
    child.kill('SIGKILL');
    await child;
    const mid = await store.list();
    expect(mid.map((b) => b.status).sort()).toEqual(['in_progress', 'open']);

    const summary = await runEpic({
      epicText: EPIC, rigDir: rig, townDir: town, router: ladderRouter({ small: good.url, big: good.url, cpu: cpu.url }, { cloud: false }),
      brief: briefText, log, testEnv: envWithShim(box.shim),
    });
    expect(summary.resumed).toBe(true);
    expect(summary.beads.map((b) => b.status)).toEqual(['done', 'done']);
    const polecat = (await store.list()).find((b) => b.role === 'polecat')!;
    expect(polecat.history.map((h) => h.note)).toContain('resumed: the run working on it was interrupted; polecat again');
    // The tests were written once, before the crash, and not again.
    expect(polecat.labels.filter((l) => l === 'tests-written')).toHaveLength(1);
  }, 180_000);

  it('models answering garbage fail their bead cleanly, with every attempt recorded', async () => {
    const { rig, town } = await setupRig(box.root);
    const { store, cpu } = await planned(town, rig);
    // The small model answers prose three times; the larger one sends broken HTTP bodies.
    const prose = await box.serve({ script: { rules: [], default: 'Sure! I would add a function that returns the bonus.' } });
    const broken = await box.serve({ garbage: true });
    const summary = await runEpic({
      epicText: EPIC, rigDir: rig, townDir: town, router: ladderRouter({ small: prose.url, big: broken.url, cpu: cpu.url }, { cloud: false }),
      brief: briefText, log, attemptsPerModel: 3, testEnv: envWithShim(box.shim),
    });
    const beads = await store.list();
    const polecat = beads.find((b) => b.role === 'polecat')!;
    expect(polecat.status).toBe('failed');
    expect(polecat.attempts.map((a) => `${a.model} ${a.outcome}`)).toEqual([
      'local:qwen2.5-coder-3b fail',
      'local:qwen2.5-coder-3b fail',
      'local:qwen2.5-coder-3b fail',
      'local:qwen2.5-coder-3b escalated',
      'local:qwen2.5-coder-7b error',
      'local:qwen2.5-coder-7b escalated',
    ]);
    expect(polecat.attempts[0]!.note).toMatch(/No edit blocks found/);
    expect(polecat.attempts[4]!.note).toMatch(/model call failed/);
    expect(polecat.history.at(-1)!.note).toMatch(/no model on the ladder made the tests pass/);
    // The Librarian bead waits on the failed one: still open, never half-done.
    expect(beads.find((b) => b.role === 'librarian')!.status).toBe('open');
    expect(summary.beads.map((b) => b.status).sort()).toEqual(['failed', 'open']);
  }, 120_000);

  it('a Refinery answering invalid JSON fails the bead with the reason (escalated) instead of writing tests', async () => {
    const { rig, town } = await setupRig(box.root);
    const { store } = await planned(town, rig);
    const garbage = await box.serve({ garbage: true });
    await runEpic({
      epicText: EPIC, rigDir: rig, townDir: town, router: ladderRouter({ small: garbage.url, big: garbage.url, cpu: garbage.url }, { cloud: false }),
      brief: briefText, log, testEnv: envWithShim(box.shim),
    });
    const polecat = (await store.list()).find((b) => b.role === 'polecat')!;
    // The Refinery had its repair round: the bead fails for good (no retry of the same answer) and is escalated.
    expect(polecat.status).toBe('failed');
    expect(polecat.history.at(-1)!.note).toMatch(/^failed: refinery-tests gave up: no tests: /);
    expect(polecat.labels).not.toContain('tests-written');
  }, 120_000);

  it('rejects a Librarian answer that changes code, keeping the convoy branch untouched', async () => {
    const { rig, remote, town } = await setupRig(box.root);
    const { store } = await planned(town, rig);
    // Docs plus an "edit" that sneaks a code change in: the comment-stripped comparison must catch it.
    const sneaky = {
      docs: { 'func:bonus_points': 'Bonus for long combos.' },
      edits: ['scripts/combo_counter.gd', '<<<<<<< SEARCH', 'const MAX_MULTIPLIER := 4', '=======', 'const MAX_MULTIPLIER := 8', '>>>>>>> REPLACE'].join('\n'),
    };
    const rules = CPU_RULES.map((r) => (r.match.startsWith('Write `##` doc comments for scripts/combo_counter.gd') ? { ...r, reply: JSON.stringify(sneaky) } : r));
    const cpu = await box.serve({ script: { rules, default: '{}' } });
    const good = await box.serve({ script: { rules: [{ match: 'Answer only with search/replace edit blocks', reply: RIGHT }], default: '' } });
    const summary = await runEpic({
      epicText: EPIC, rigDir: rig, townDir: town, router: ladderRouter({ small: good.url, big: good.url, cpu: cpu.url }, { cloud: false }),
      brief: briefText, log, testEnv: envWithShim(box.shim),
    });
    const docs = (await store.list()).find((b) => b.role === 'librarian')!;
    expect(docs.status).toBe('failed');
    expect(docs.history.at(-1)!.note).toMatch(/scripts\/combo_counter\.gd/);
    expect(docs.history.at(-1)!.note).toMatch(/MAX_MULTIPLIER/);
    const code = (await execa('git', ['show', `${summary.convoyBranch}:scripts/combo_counter.gd`], { cwd: remote })).stdout;
    expect(code).toContain('const MAX_MULTIPLIER := 4');
    expect(code).not.toContain('## Bonus for long combos.');
  }, 120_000);
});
