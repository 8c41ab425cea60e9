// Scores over repeats: per-repeat figures, then mean/min/max/stddev, checked against hand-computed numbers.
import { describe, it, expect } from 'vitest';
import { scoreRuns, stat } from '../../../src/eval/score.js';
import { rec } from './records.js';

describe('scoreRuns', () => {
  it('gives the spread of pass rate, attempts, tokens/s and cost over repeats', () => {
    const runs = [
      // repeat 0: both pass
      rec({ task: 'a', model: 'm', repeat: 0, passed: true, attempts: 1, band: 'small', completionTokens: 40, callSeconds: 2, costUsd: 0.01, ttftMs: 100, vramPeakMiB: 5000 }),
      rec({ task: 'b', model: 'm', repeat: 0, passed: true, attempts: 2, band: 'large', completionTokens: 60, callSeconds: 3, costUsd: 0.03, ttftMs: 300, guardHits: 1, calls: 2 }),
      // repeat 1: only a passes
      rec({ task: 'a', model: 'm', repeat: 1, passed: true, attempts: 1, band: 'small', completionTokens: 10, callSeconds: 1, costUsd: 0.01, vramPeakMiB: 5500 }),
      rec({ task: 'b', model: 'm', repeat: 1, passed: false, attempts: 3, band: 'large', completionTokens: 90, callSeconds: 9, costUsd: 0.05, guardHits: 2, calls: 3 }),
    ];
    const [s] = scoreRuns(runs);
    expect(s!.tasks).toBe(2);
    expect(s!.repeats).toBe(2);
    expect(s!.passRate).toEqual({ mean: 0.75, min: 0.5, max: 1, stddev: 0.25, n: 2 });
    expect(s!.passRateByBand.small).toEqual({ mean: 1, min: 1, max: 1, stddev: 0, n: 2 });
    expect(s!.passRateByBand.large).toEqual({ mean: 0.5, min: 0, max: 1, stddev: 0.5, n: 2 });
    expect(s!.passRateByBand.medium).toBeNull();
    expect(s!.attempts).toEqual({ mean: 1.75, min: 1.5, max: 2, stddev: 0.25, n: 2 });
    // tokens/s per repeat: 100/5 = 20 and 100/10 = 10.
    expect(s!.tokensPerSecond).toEqual({ mean: 15, min: 10, max: 20, stddev: 5, n: 2 });
    // TTFT only where reported: repeat 0 mean 200; repeat 1 has none.
    expect(s!.ttftMs).toEqual({ mean: 200, min: 200, max: 200, stddev: 0, n: 1 });
    expect(s!.guardHits).toEqual({ mean: 1.5, min: 1, max: 2, stddev: 0.5, n: 2 });
    expect(s!.guardHitRate).toBeCloseTo(3 / 7, 12);
    expect(s!.costUsd.mean).toBeCloseTo(0.05, 12);
    expect(s!.costPerPassedTask).toBeCloseTo(0.1 / 3, 12);
    expect(s!.vramPeakMiB).toBe(5500);
  });

  it('keeps models and roles apart and sums review counts per repeat', () => {
    const runs = [
      rec({ task: 'r1', model: 'x', kind: 'refinery', band: null, defectsPlanted: 1, defectsFound: 1, falseAlarms: 2 }),
      rec({ task: 'r2', model: 'x', kind: 'refinery', band: null, defectsPlanted: 1, defectsFound: 0, falseAlarms: 0 }),
      rec({ task: 'l1', model: 'x', kind: 'librarian', band: null, codeChanges: 1 }),
      rec({ task: 'r1', model: 'y', kind: 'refinery', band: null, defectsPlanted: 1, defectsFound: 1 }),
    ];
    const scores = scoreRuns(runs);
    expect(scores.map((s) => `${s.model}/${s.role}`)).toEqual(['x/refinery', 'x/librarian', 'y/refinery']);
    expect([scores[0]!.defectsFound.mean, scores[0]!.defectsPlanted, scores[0]!.falseAlarms.mean]).toEqual([1, 2, 2]);
    expect(scores[1]!.codeChanges.mean).toBe(1);
    expect(scores[0]!.costPerPassedTask).toBeNull();
  });

  it('stat of nothing is zeros with n = 0', () => {
    expect(stat([])).toEqual({ mean: 0, min: 0, max: 0, stddev: 0, n: 0 });
  });
});
