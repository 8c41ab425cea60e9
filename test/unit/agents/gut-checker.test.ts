// The GUT stand-in on the sample rig: a real child process via the rig's own command; right code passes, wrong code fails.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { runRigTests, formatTestFeedback } from '../../../src/agents/rig/run-tests.js';
import { copyAerobeatMini, envWithShim, makeGodotShim } from './helpers/godot-shim.js';

let env: NodeJS.ProcessEnv;
beforeAll(() => {
  env = envWithShim(makeGodotShim());
});

async function run(mutate?: (rig: string) => void) {
  const rig = copyAerobeatMini();
  mutate?.(rig);
  const { config } = loadRigConfig(rig);
  return { rig, result: await runRigTests(rig, config, { env }) };
}

function edit(rig: string, file: string, from: string, to: string): void {
  const p = join(rig, file);
  const src = readFileSync(p, 'utf8');
  if (!src.includes(from)) throw new Error(`fixture text not found: ${from}`);
  writeFileSync(p, src.replace(from, to));
}

describe('aerobeat-mini through the rig test command', () => {
  it('passes every GUT test on the correct implementation and writes JUnit XML', async () => {
    const { rig, result } = await run();
    expect(result.problems).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.passed).toBe(true);
    expect(result.counts).toEqual({ passed: 10, failed: 0, error: 0, skipped: 0 });
    expect(result.cases.map((c) => c.name)).toContain('test_multiplier_steps_every_level');
    expect(existsSync(join(rig, '.gut', 'results.xml'))).toBe(true);
    expect(result.outputTail).toContain('All tests passed');
  });

  it('fails the timing test when the perfect window is wrong, with GUT-style expected/got text', async () => {
    const { result } = await run((rig) => edit(rig, 'scripts/beat_scorer.gd', 'PERFECT_WINDOW_MS := 30.0', 'PERFECT_WINDOW_MS := 20.0'));
    expect(result.passed).toBe(false);
    expect(result.exitCode).toBe(1);
    const failed = result.cases.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.name)).toEqual(['test_judge_uses_timing_windows']);
    expect(failed[0]!.detail).toContain('["great"] expected to equal ["perfect"]:  the window edge is still perfect');
    expect(formatTestFeedback(result)).toContain('res://test/unit/test_beat_scorer.gd :: test_judge_uses_timing_windows [failed]');
  });

  it('uses GDScript integer division: int/int accuracy is 0 and fails, float() fixes it', async () => {
    const { result } = await run((rig) => edit(rig, 'scripts/beat_scorer.gd', 'return float(hits) / total', 'return hits / total'));
    expect(result.cases.filter((c) => c.status === 'failed').map((c) => c.name)).toEqual(['test_accuracy_counts_misses']);
    expect(result.cases.find((c) => c.name === 'test_accuracy_counts_misses')!.detail).toContain('[0.0] expected to equal [0.667] +/- [0.001]');
  });

  it('fails the signal tests when miss() stops emitting combo_broken', async () => {
    const { result } = await run((rig) => edit(rig, 'scripts/combo_counter.gd', '\t\tcombo_broken.emit(combo)\n', '\t\tpass\n'));
    expect(result.cases.filter((c) => c.status === 'failed').map((c) => c.name)).toEqual(['test_miss_breaks_combo_and_reports_it']);
  });

  it('reports a script error for Godot 3 syntax and a runtime error for a missing method', async () => {
    const { result } = await run((rig) => {
      edit(rig, 'scripts/combo_counter.gd', '\tcombo += 1\n', '\tyield(get_tree(), "idle_frame")\n\tcombo += 1\n');
      edit(rig, 'test/unit/test_beat_scorer.gd', 'scorer.reset()', 'scorer.clear_all()');
    });
    expect(result.passed).toBe(false);
    const errors = result.cases.filter((c) => c.status === 'error');
    expect(errors.map((c) => `${c.suite}:${c.name}`)).toEqual(['res://test/unit/test_beat_scorer.gd:test_reset_clears_everything', 'res://test/unit/test_combo_counter.gd:(script)']);
    expect(errors[0]!.detail).toContain("Nonexistent function 'clear_all' in base 'BeatScorer'");
    expect(errors[1]!.detail).toMatch(/res:\/\/scripts\/combo_counter\.gd:\d+: Parse Error: "yield" is not valid Godot 4/);
  });

  it('stops an infinite loop with an error instead of hanging', async () => {
    const { result } = await run((rig) => edit(rig, 'scripts/combo_counter.gd', '\tcombo += 1\n', '\twhile true:\n\t\tpass\n\tcombo += 1\n'));
    const hit = result.cases.find((c) => c.name === 'test_hits_count_up')!;
    expect(hit.status).toBe('error');
    expect(hit.detail).toContain('Step limit exceeded');
  });
});
