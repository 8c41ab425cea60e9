// The switcher's view of the latest eval: flagged models fall back, the best model per band goes first.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRawConfig, ConfigError } from '../../../src/config/load.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { ladderFor } from '../../../src/agents/engine/live-router.js';
import { applyEvalFeedback, fleetWithEvalFeedback, hallucinatingModels, loadEvalConfig, preferredModel, bandOf } from '../../../src/eval/feedback.js';
import { saveResults, latestResults, evalDir } from '../../../src/eval/results.js';
import { rec, results } from './records.js';

const SMALL = 'Qwen2.5-Coder-3B-Instruct';
const MOE = 'Qwen3-Coder-30B-A3B-Instruct';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gth-eval-fb-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fleet = () => loadFleetConfig(loadRawConfig(undefined, {}, dir), dir);
const sample = () =>
  results([
    // The 3B passes half its small tasks and trips the guard on 2 of 4 calls; the MoE passes all of them.
    rec({ task: 'a', model: SMALL, band: 'small', passed: true, calls: 2, guardHits: 1 }),
    rec({ task: 'b', model: SMALL, band: 'small', passed: false, calls: 2, guardHits: 1 }),
    rec({ task: 'a', model: MOE, band: 'small', passed: true, calls: 2 }),
    rec({ task: 'b', model: MOE, band: 'small', passed: true, calls: 2 }),
    rec({ task: 'r', model: 'DeepSeek-R1-Distill-Qwen-32B', kind: 'refinery', band: null, passed: true }),
  ]);

describe('eval feedback', () => {
  it('picks the best model per band and flags models over the guard-hit threshold', () => {
    const r = sample();
    expect([bandOf(5999), bandOf(6000), bandOf(14000)]).toEqual(['small', 'medium', 'large']);
    expect(preferredModel(r, 'polecat', 2000)).toBe(MOE);
    expect(preferredModel(r, 'polecat', 8000)).toBeNull();
    expect(hallucinatingModels(r, 0.25)).toEqual([SMALL]);
    expect(hallucinatingModels(r, 0.5)).toEqual([]);
  });

  it('changes the live router’s ladder: the preferred model first for small prompts, the flagged one swapped for its fallback', () => {
    const before = fleet();
    expect(ladderFor('polecat', 3000, before, new Set()).map((x) => x.model)[0]).toBe(SMALL);
    const after = applyEvalFeedback(before, sample(), { guardHitThreshold: 0.25, feedback: true });
    expect(after.catalog.find((m) => m.name === SMALL)!.hallucinatesTooMuch).toBe(true);
    expect(after.switcher.rules[0]).toMatchObject({ role: 'polecat', model: MOE, maxPromptTokens: 6000, device: 'gpu' });
    const ladder = ladderFor('polecat', 3000, after, new Set()).map((x) => x.model);
    expect(ladder.slice(0, 2)).toEqual([MOE, before.catalog.find((m) => m.name === SMALL)!.fallback]);
    // Larger prompts are untouched: no eval data for that band.
    expect(ladderFor('polecat', 20000, after, new Set())).toEqual(ladderFor('polecat', 20000, before, new Set()));
    // The reviewer was already first; nothing to reorder. Feedback off: nothing changes.
    expect(after.switcher.rules.filter((x) => x.role === 'refinery')).toEqual(before.switcher.rules.filter((x) => x.role === 'refinery'));
    expect(applyEvalFeedback(before, sample(), { guardHitThreshold: 0.25, feedback: false })).toBe(before);
  });

  it('reads the threshold from gastown.yml and names a bad field', () => {
    writeFileSync(join(dir, 'gastown.yml'), 'eval:\n  guardHitThreshold: 0.6\n');
    expect(loadEvalConfig(loadRawConfig(undefined, {}, dir)).guardHitThreshold).toBe(0.6);
    writeFileSync(join(dir, 'gastown.yml'), 'eval:\n  guardHitThreshold: 3\n');
    expect(() => loadEvalConfig(loadRawConfig(undefined, {}, dir))).toThrow(ConfigError);
    expect(() => loadEvalConfig(loadRawConfig(undefined, {}, dir))).toThrow(/eval\.guardHitThreshold/);
  });

  it('uses the newest saved results and skips a corrupt file', () => {
    const state = join(dir, 'state');
    expect(latestResults(state)).toBeNull();
    saveResults(state, results([rec({ task: 'a', model: SMALL, passed: true })], { id: 'old001', date: '2026-11-01T00:00:00.000Z' }));
    const file = saveResults(state, sample());
    expect(file).toBe(join(evalDir(state), '2026-11-25-abc123.json'));
    mkdirSync(evalDir(state), { recursive: true });
    writeFileSync(join(evalDir(state), 'broken.json'), '{nope');
    const skipped: string[] = [];
    expect(latestResults(state, (f) => skipped.push(f))?.id).toBe('abc123');
    expect(skipped).toEqual([join(evalDir(state), 'broken.json')]);
    const raw = loadRawConfig(undefined, {}, dir);
    expect(fleetWithEvalFeedback(fleet(), raw, state).catalog.find((m) => m.name === SMALL)!.hallucinatesTooMuch).toBe(true);
    expect(fleetWithEvalFeedback(fleet(), raw, join(dir, 'empty'))).toEqual(fleet());
  });
});
