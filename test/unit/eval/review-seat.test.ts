// The review seat of a Polecat eval: no model, the Refinery's rules alone (protected paths, failing tests, coverage).
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { Bead } from '../../../src/beads/schema.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import type { EngineContext } from '../../../src/agents/engine/types.js';
import type { TestRunResult } from '../../../src/agents/rig/run-tests.js';
import { rulesOnlyReview } from '../../../src/eval/review-seat.js';
import { DEFAULT_TASKS_DIR, RIGS_FOLDER } from '../../../src/eval/tasks.js';

const rigDir = join(DEFAULT_TASKS_DIR, RIGS_FOLDER, 'aerobeat-mini');
// The seat reads only the rig: no model, no store, no git.
const ctx = { rig: loadRigConfig(rigDir) } as unknown as EngineContext;
const bead = Bead.parse({ id: 'ab-1', title: 'Add bonus_points', files: ['scripts/combo_counter.gd'], createdAt: '2026-11-30T00:00:00Z', updatedAt: '2026-11-30T00:00:00Z' });
const run = (passed: boolean): TestRunResult => ({
  passed, exitCode: passed ? 0 : 1, timedOut: false, durationMs: 1, cases: [], counts: { passed: passed ? 3 : 2, failed: passed ? 0 : 1, error: 0, skipped: 0 }, problems: [], outputTail: '',
});
const diffOf = (path: string): string => `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-a\n+b\n`;

describe('rulesOnlyReview', () => {
  it('approves a change with green tests that touches no protected path (coverage measured on the rig)', async () => {
    const r = await rulesOnlyReview(ctx, { bead, diff: diffOf('scripts/combo_counter.gd'), tests: run(true), worktree: rigDir });
    expect([r.verdict, r.comments, r.coverage.ok]).toEqual(['approve', [], true]);
  });

  it('requests changes on a diff touching the tests, naming the file, whatever the tests say', async () => {
    const r = await rulesOnlyReview(ctx, { bead, diff: diffOf('test/unit/test_combo_counter.gd'), tests: run(true), worktree: rigDir });
    expect(r.verdict).toBe('request_changes');
    expect(r.comments[0]!.path).toBe('test/unit/test_combo_counter.gd');
    expect(r.summary).toMatch(/protected path/);
  });

  it('requests changes when the tests fail', async () => {
    const r = await rulesOnlyReview(ctx, { bead, diff: diffOf('scripts/combo_counter.gd'), tests: run(false), worktree: rigDir });
    expect(r.verdict).toBe('request_changes');
    expect(r.comments.map((c) => c.body)).toEqual(['tests are failing']);
  });
});
