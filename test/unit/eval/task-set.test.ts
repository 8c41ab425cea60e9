// The shipped task set: it loads, has the promised mix, every Polecat task fits its token band, and every
// reference solution passes its tests (and the tests fail without it), run by the GUT stand-in in-process.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { parseEditBlocks } from '../../../src/agents/edits/parse.js';
import { applyEditBlocks, formatEditReport } from '../../../src/agents/edits/apply.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGut } from '../../doubles/gut-checker.js';
import { loadTaskSet, materializeRig, DEFAULT_TASKS_DIR, type EvalTask } from '../../../src/eval/tasks.js';
import { estimateTaskPromptTokens, inBand } from '../../../src/eval/band.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';

const tasks = loadTaskSet(DEFAULT_TASKS_DIR);

/**
 * Runs the rig's test command (minus the `godot` binary) in-process, after applying `edits` (edit blocks) with the
 * Polecat's own applier; returns failed+errored case count and output.
 */
function gut(task: EvalTask, extra: string[], edits?: string): { code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gth-eval-sol-'));
  try {
    const rig = materializeRig(task, join(dir, 'rig'), extra);
    if (edits !== undefined) {
      const parsed = parseEditBlocks(edits);
      // With the Polecat's policy too: a reference solution that edits the tests would not count.
      const applied = applyEditBlocks(rig, parsed.blocks, { allOrNothing: true, policy: { role: 'polecat', rig: loadRigConfig(rig).config } });
      if (!applied.ok || parsed.errors.length) return { code: -1, out: formatEditReport(applied, parsed.errors) };
    }
    const cmd = loadRigConfig(rig).config.tests.command;
    const lines: string[] = [];
    const code = runGut(cmd.slice(1), rig, (l) => lines.push(l));
    return { code, out: lines.join('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the eval task set', () => {
  it('has 6 Polecat tasks in three bands, 4 reviews with the four planted defect kinds and 2 Librarian tasks', () => {
    const polecat = tasks.filter((t) => t.spec.kind === 'polecat');
    const bands = polecat.map((t) => (t.spec.kind === 'polecat' ? t.spec.band : '')).sort();
    expect(bands).toEqual(['large', 'large', 'medium', 'medium', 'small', 'small']);
    const kinds = tasks.flatMap((t) => (t.spec.kind === 'refinery' ? t.spec.expected.defects.map((d) => d.kind) : [])).sort();
    expect(kinds).toEqual(['godot3-api', 'missing-null-check', 'untested-branch', 'wrong-signal-signature']);
    expect(tasks.filter((t) => t.spec.kind === 'librarian')).toHaveLength(2);
  });

  it('puts every Polecat task in its declared prompt-token band', () => {
    for (const t of tasks) {
      if (t.spec.kind !== 'polecat') continue;
      const tokens = estimateTaskPromptTokens(t, briefText, 32_000);
      expect({ task: t.name, band: t.spec.band, fits: inBand(tokens, t.spec.band) }).toEqual({ task: t.name, band: t.spec.band, fits: true });
    }
  });

  it.each(tasks.filter((t) => t.spec.kind === 'polecat').map((t) => [t.name, t] as const))('%s: the reference edit blocks apply cleanly and pass, the rig state alone fails', (_name, task) => {
    if (task.spec.kind !== 'polecat') return;
    const before = gut(task, []);
    expect(before.code, before.out).not.toBe(0);
    const after = gut(task, [], readFileSync(join(task.dir, task.spec.solution), 'utf8'));
    expect(after.code, after.out).toBe(0);
  });
});

describe('the review tasks', () => {
  it.each(tasks.filter((t) => t.spec.kind === 'refinery').map((t) => [t.name, t] as const))('%s: the change passes its own tests, so only a real review finds the defect', (_name, task) => {
    if (task.spec.kind !== 'refinery') return;
    const run = gut(task, [task.spec.change]);
    expect(run.code, run.out).toBe(0);
  });
});
