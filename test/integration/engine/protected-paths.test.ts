// Engine roles under the protected-paths policy: refused edits go back to the model, nothing is written, reviews fail.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { BeadStore } from '../../../src/beads/store.js';
import type { Bead } from '../../../src/beads/schema.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { rigGit } from '../../../src/agents/engine/rig-git.js';
import { LadderRouter } from '../../../src/agents/engine/router.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { runPolecat } from '../../../src/agents/engine/polecat.js';
import { writeTestsFirst, reviewChange } from '../../../src/agents/engine/refinery.js';
import { runLibrarian } from '../../../src/agents/engine/librarian.js';
import type { EngineContext } from '../../../src/agents/engine/types.js';
import type { TestRunResult } from '../../../src/agents/rig/run-tests.js';
import { ScriptedProvider, type ScriptedRule } from '../../support/scripted-provider.js';
import { makeGodotShim, envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { setupRig, log, RIGHT, TESTS, REVIEW } from '../../support/engine-fixture.js';

const TEST_FILE = 'test/unit/test_combo_counter.gd';
let root: string;
let shim: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-protected-engine-'));
  shim = makeGodotShim();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(shim, { recursive: true, force: true });
});

/** A real rig (bare remote, convoy branch), a bead store and one scripted model for every local role. */
async function engine(rules: ScriptedRule[], role: 'polecat' | 'refinery' | 'librarian' = 'polecat', files = ['scripts/combo_counter.gd']) {
  const { rig, town } = await setupRig(root);
  const git = rigGit(rig);
  await git.ensureBranch('convoy/c-1', 'main');
  const provider = new ScriptedProvider({ rules });
  const choice = { provider, label: 'local:scripted' };
  const store = new BeadStore({ dir: join(town, 'beads'), actor: 'test' });
  const bead: Bead = await store.create({ title: 'Add ComboCounter.bonus_points()', description: '50 points per full level of hits.', type: 'feature', role, rig: 'aerobeat-mini', files, convoy: 'c-1' });
  const ctx: EngineContext = {
    store,
    rig: loadRigConfig(rig),
    git,
    router: new LadderRouter({ polecat: [choice], refinery: [choice], librarian: [choice] }),
    brief: briefText,
    worktrees: join(root, `wt-${bead.id}-${Math.random().toString(36).slice(2)}`),
    attemptsPerModel: 3,
    contextBudget: 12_000,
    convoyId: 'c-1',
    convoyBranch: 'convoy/c-1',
    log,
    emit: () => undefined,
    testEnv: envWithShim(shim),
  };
  return { rig, git, ctx, bead, provider };
}

const editTest = (path: string): string => [path, '<<<<<<< SEARCH', 'extends GutTest', '=======', 'extends GutTest', '# pass', '>>>>>>> REPLACE'].join('\n');
const lastUser = (p: ScriptedProvider, n: number): string => p.requests[n]!.messages.filter((m) => m.role === 'user').at(-1)!.content;

describe('the Polecat under the protected-paths policy', () => {
  it('an answer editing ./test/… or scripts/../test/… is refused, the model gets the reason, and the test file is untouched', async () => {
    const { ctx, bead, provider, git } = await engine([
      { match: 'Answer only with search/replace edit blocks', reply: editTest(`./${TEST_FILE}`), times: 1 },
      { match: 'Answer only with search/replace edit blocks', reply: editTest(`scripts/../${TEST_FILE}`), times: 1 },
      { match: 'Answer only with search/replace edit blocks', reply: RIGHT },
    ]);
    const before = await git.show(ctx.rig.root, 'convoy/c-1', TEST_FILE);
    const res = await runPolecat(ctx, bead);
    expect(res.ok).toBe(true);
    expect(res.attempts).toBe(3);
    // Rounds 2 and 3 start with the refusal of the previous answer, naming the file and why.
    for (const n of [1, 2]) {
      const fed = lastUser(provider, n);
      expect(fed).toContain('FAILED [protected_path]');
      expect(fed).toContain('test/unit is protected: the tests are the contract');
    }
    expect(lastUser(provider, 1)).toContain(`./${TEST_FILE}`);
    expect(lastUser(provider, 2)).toContain(`scripts/../${TEST_FILE}`);
    // The pushed branch changed only the code.
    expect(await git.changedFiles(res.worktree, 'convoy/c-1')).toEqual(['scripts/combo_counter.gd']);
    expect(readFileSync(join(res.worktree, TEST_FILE), 'utf8')).toBe(before);
    const attempts = (await ctx.store.get(bead.id)).attempts.map((a) => a.outcome);
    expect(attempts).toEqual(['fail', 'fail', 'pass']);
  });

  it('path traversal, absolute paths and the rig config are refused too; nothing outside the worktree is written', async () => {
    const outside = join(root, 'outside.gd');
    const blocks = ['../outside.gd', outside, '.gastown/rig.yml', 'project.godot'].map((p) => `${p}\n<<<<<<< SEARCH\n=======\npwned\n>>>>>>> REPLACE`).join('\n');
    const { ctx, bead, provider } = await engine([{ match: 'Answer only with search/replace edit blocks', reply: blocks }]);
    ctx.attemptsPerModel = 1;
    const res = await runPolecat(ctx, bead);
    expect(res.ok).toBe(false);
    expect(existsSync(outside)).toBe(false);
    const note = (await ctx.store.get(bead.id)).attempts[0]!.note!;
    expect(note).toMatch(/4 edit block\(s\) failed/);
    expect(note).toContain('leaves the rig');
    expect(note).toContain('absolute paths are not allowed');
    expect(provider.requests).toHaveLength(1);
  });
});

describe('the Refinery under the protected-paths policy', () => {
  it('tests first writing outside the test folders is refused with the reason, then the corrected answer is written', async () => {
    const bad = { summary: 'x', files: [{ path: 'scripts/combo_counter.gd', content: 'extends Node\n' }, { path: './.gastown\\rig.yml', content: 'x\n' }, TESTS.files[0]!], edits: '' };
    const { ctx, bead, provider, rig } = await engine(
      [
        { match: 'Write the tests first for bead', reply: JSON.stringify(bad), times: 1 },
        { match: 'Write the tests first for bead', reply: JSON.stringify(TESTS) },
      ],
      'polecat',
    );
    const wt = join(root, `convoy-${bead.id}`);
    await ctx.git.worktree(wt, 'convoy/c-1', null);
    const code = readFileSync(join(wt, 'scripts/combo_counter.gd'), 'utf8');
    const written = await writeTestsFirst(ctx, bead, wt);
    expect(written).toEqual(['test/unit/test_combo_bonus.gd']);
    const fed = lastUser(provider, 1);
    expect(fed).toContain("scripts/combo_counter.gd: refused: the Refinery writes tests only inside the rig's test folder(s) test/unit");
    expect(fed).toContain("./.gastown\\rig.yml: refused: the Refinery writes tests only inside the rig's test folder(s)");
    expect(readFileSync(join(wt, 'scripts/combo_counter.gd'), 'utf8')).toBe(code);
    expect(readFileSync(join(wt, '.gastown/rig.yml'), 'utf8')).toBe(readFileSync(join(rig, '.gastown/rig.yml'), 'utf8'));
  });

  it('gives up after two refused answers and writes nothing (test files are not written when an edit block is refused)', async () => {
    const bad = { summary: 'x', files: [TESTS.files[0]!], edits: 'project.godot\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE' };
    const { ctx, bead } = await engine([{ match: 'Write the tests first for bead', reply: JSON.stringify(bad) }]);
    const wt = join(root, `convoy-${bead.id}`);
    await ctx.git.worktree(wt, 'convoy/c-1', null);
    await expect(writeTestsFirst(ctx, bead, wt)).rejects.toThrow(/project\.godot: refused: the Refinery writes tests only inside/);
    expect((await execa('git', ['status', '--porcelain'], { cwd: wt })).stdout).toBe('');
  });

  it('path traversal and absolute paths in tests first are refused before anything is written', async () => {
    for (const path of ['test/unit/../../scripts/x.gd', '/tmp/abs_test.gd']) {
      const bad = { summary: 'x', files: [{ path, content: 'x\n' }], edits: '' };
      const { ctx, bead } = await engine([{ match: 'Write the tests first for bead', reply: JSON.stringify(bad) }]);
      const wt = join(root, `convoy-${bead.id}`);
      await ctx.git.worktree(wt, 'convoy/c-1', null);
      await expect(writeTestsFirst(ctx, bead, wt)).rejects.toThrow(/must be a path relative to the rig, without ".."/);
      expect((await execa('git', ['status', '--porcelain'], { cwd: wt })).stdout).toBe('');
      expect(existsSync('/tmp/abs_test.gd')).toBe(false);
    }
  });

  it('a review of a diff touching a test file is not approved, whatever the model says, and names the file', async () => {
    const { ctx, bead, git } = await engine([{ match: 'Review the change for bead', reply: JSON.stringify(REVIEW) }]);
    const wt = join(root, `change-${bead.id}`);
    await git.worktree(wt, `polecat/${bead.id}`, 'convoy/c-1');
    writeFileSync(join(wt, TEST_FILE), 'extends GutTest\n');
    await git.commitAll(wt, 'weaken the tests', 'polecat');
    const tests: TestRunResult = { passed: true, exitCode: 0, timedOut: false, durationMs: 1, cases: [], counts: { passed: 1, failed: 0, error: 0, skipped: 0 }, problems: [], outputTail: '' };
    const review = await reviewChange(ctx, { bead, diff: await git.diff(wt, 'convoy/c-1'), tests, worktree: wt });
    expect(review.verdict).toBe('request_changes');
    expect(review.comments[0]).toMatchObject({ path: TEST_FILE });
    expect(review.comments[0]!.body).toContain('the tests are the contract');
    expect(review.summary).toContain(TEST_FILE);
  });

  it('the protected-path rule leaves a code-only diff alone', async () => {
    const { ctx, bead, git } = await engine([{ match: 'Review the change for bead', reply: JSON.stringify(REVIEW) }]);
    const wt = join(root, `change-${bead.id}`);
    await git.worktree(wt, `polecat/${bead.id}`, 'convoy/c-1');
    writeFileSync(join(wt, 'scripts/extra.gd'), 'extends Node\n');
    await git.commitAll(wt, 'code', 'polecat');
    const tests: TestRunResult = { passed: true, exitCode: 0, timedOut: false, durationMs: 1, cases: [], counts: { passed: 1, failed: 0, error: 0, skipped: 0 }, problems: [], outputTail: '' };
    const review = await reviewChange(ctx, { bead, diff: await git.diff(wt, 'convoy/c-1'), tests, worktree: wt });
    expect(review.comments.filter((c) => c.body.includes('protected path'))).toEqual([]);
  });
});

describe('the Librarian under the protected-paths policy', () => {
  it('skips test files it was asked to document and refuses edit blocks into protected paths', async () => {
    const docs = { docs: {}, edits: '.github/workflows/ci.yml\n<<<<<<< SEARCH\n=======\non: push\n>>>>>>> REPLACE' };
    const { ctx, bead, git } = await engine(
      [
        { match: 'Write `##` doc comments for', reply: JSON.stringify(docs) },
        { match: 'Refresh the rig README', reply: JSON.stringify({ readme: '# aerobeat-mini\n\nBeat scoring and combos for AeroBeat, documented.\n' }) },
      ],
      'librarian',
      ['scripts/combo_counter.gd', TEST_FILE],
    );
    const res = await runLibrarian(ctx, bead);
    expect(res.problems.join('\n')).toContain(`${TEST_FILE}: not documented: test/unit is protected`);
    const changed = await git.changedFiles(join(ctx.worktrees, `librarian-${bead.id}`), 'convoy/c-1');
    expect(changed.filter((f) => f.startsWith('.github/') || f.startsWith('test/'))).toEqual([]);
  });
});
