// The Refinery's and Librarian's runner jobs on real checkouts (the review job: engine-review.test.ts).
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import { engineSandbox } from '../../support/engine-sandbox.js';
import { BEAD, BONUS_TEST, CONVOY, gitIn, makeTown, registerServer, seedConvoy } from '../../support/github-town.js';
import { parseBeadText } from '../../../src/beads/serialize.js';
import { BeadStore } from '../../../src/beads/store.js';
import { createEngineJobRunner } from '../../../src/agents/engine/jobs.js';

const TESTS = { summary: 'bonus per level', files: [{ path: 'test/unit/test_combo_bonus.gd', content: BONUS_TEST }], edits: '' };
const APPROVE = { verdict: 'approve', summary: 'Fine by me.', comments: [], coverage: { ok: true, detail: 'claimed' } };

// The Refinery's and the Librarian's model: one stand-in llama-server.
const box = engineSandbox('gth-job-refinery-', {
  llama: {
    script: {
      rules: [
        { match: 'Write the tests first for bead', reply: JSON.stringify(TESTS) },
        { match: 'Review the change for bead', reply: JSON.stringify(APPROVE) },
        { match: 'Write `##` doc comments for scripts/combo_counter.gd', reply: JSON.stringify({ docs: { 'func:bonus_points': 'Bonus for long combos: 50 points per full level.' } }) },
        { match: 'Refresh the rig README', reply: JSON.stringify({ readme: '# aerobeat-mini\n\nBeat scoring and combos; `bonus_points()` pays 50 per level.\n' }) },
      ],
      default: '{}',
    },
  },
});

function jobEnv(name: string): NodeJS.ProcessEnv {
  const stateDir = join(box.root, `${name}-state`);
  registerServer(stateDir, 'DeepSeek-R1-Distill-Qwen-32B', box.llama.url, 'cpu');
  registerServer(stateDir, 'SmolLM2-1.7B-Instruct', box.llama.url, 'cpu');
  return { PATH: `${box.shim}:${process.env.PATH ?? ''}`, HOME: process.env.HOME, GTH_STATE_DIR: stateDir, GTH_LEDGER: join(box.root, `${name}.jsonl`), GTH_WORKTREES: join(box.root, `${name}-wt`) };
}

const runner = createEngineJobRunner({ log: pino({ level: 'silent' }) });

describe('gth job refinery-tests', () => {
  it('commits the tests on the convoy branch and starts the code step of the labelled bead, for the Polecat the app dispatches', async () => {
    const { bare, work } = await makeTown(await mkdtemp(join(box.root, 'tests-')));
    await seedConvoy(work, { testsWritten: false });
    const checkout = join(box.root, 'tests-runner');
    await execa('git', ['clone', '-q', '--branch', `convoy/${CONVOY}`, bare, checkout]);
    const result = await runner.run({ kind: 'refinery-tests', beadId: BEAD, pr: null, convoy: null, cwd: checkout }, jobEnv('tests'));
    expect(result).toEqual({ ok: true, summary: `tests for ${BEAD} on convoy/${CONVOY}: test/unit/test_combo_bonus.gd` });

    expect(await gitIn(bare, 'show', `convoy/${CONVOY}:test/unit/test_combo_bonus.gd`)).toBe(BONUS_TEST.trimEnd());
    const bead = parseBeadText(await gitIn(bare, 'show', `convoy/${CONVOY}:beads/${BEAD}.json`), 'remote');
    // The code step is started (the app dispatches the Polecat for beads in progress, once per attempt).
    expect(bead.status).toBe('in_progress');
    expect(bead.lifecycle).toMatchObject({ step: 'code', job: 'polecat', tries: 0 });
    expect(bead.labels).toContain('tests-written');
    expect(bead.files).toContain('test/unit/test_combo_bonus.gd');
    expect(bead.history.filter((h) => h.from !== h.to).map((h) => `${h.from}->${h.to}`)).toEqual(['null->open', 'open->in_progress']);
    // Only the test file and the bead changed: nothing else from the checkout was committed.
    const changed = (await gitIn(bare, 'diff', '--name-only', `convoy/${CONVOY}~2`, `convoy/${CONVOY}`)).split('\n').sort();
    expect(changed).toEqual([`beads/${BEAD}.json`, 'test/unit/test_combo_bonus.gd']);
  }, 60_000);
});

describe('gth job librarian', () => {
  it('documents the bead\'s scripts on librarian/<bead>, leaves the code alone and moves the bead to review', async () => {
    const { bare, work } = await makeTown(await mkdtemp(join(box.root, 'docs-')));
    await seedConvoy(work);
    const file = join(work, 'scripts/combo_counter.gd');
    await writeFile(file, `${await readFile(file, 'utf8')}\n\nfunc bonus_points() -> int:\n\treturn 50 * (combo / hits_per_level)\n`);
    await new BeadStore({ dir: join(work, 'beads'), actor: 'owner' }).update(BEAD, (d) => {
      d.role = 'librarian';
      d.files = ['scripts/combo_counter.gd'];
    });
    await gitIn(work, 'commit', '-qam', 'code merged; docs bead');
    await gitIn(work, 'push', '-q', 'origin', `convoy/${CONVOY}`);
    const checkout = join(box.root, 'docs-runner');
    await execa('git', ['clone', '-q', '--branch', `convoy/${CONVOY}`, bare, checkout]);

    const result = await runner.run({ kind: 'librarian', beadId: BEAD, pr: null, convoy: CONVOY, cwd: checkout }, jobEnv('docs'));
    expect(result.ok).toBe(true);
    expect(result.summary).toContain(`open the PR from librarian/${BEAD} into convoy/${CONVOY}`);
    const code = await gitIn(bare, 'show', `librarian/${BEAD}:scripts/combo_counter.gd`);
    expect(code).toContain('## Bonus for long combos: 50 points per full level.\nfunc bonus_points() -> int:\n\treturn 50 * (combo / hits_per_level)');
    expect(await gitIn(bare, 'show', `librarian/${BEAD}:README.md`)).toContain('bonus_points()');
    const bead = parseBeadText(await gitIn(bare, 'show', `convoy/${CONVOY}:beads/${BEAD}.json`), 'remote');
    expect([bead.status, bead.branch]).toEqual(['review', `librarian/${BEAD}`]);
  }, 60_000);
});
