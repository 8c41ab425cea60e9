// Builds run records for the pure scoring, feedback and report tests.
import type { RunRecord, EvalResults } from '../../../src/eval/results-schema.js';
import { scoreRuns } from '../../../src/eval/score.js';

export function rec(over: Partial<RunRecord> & Pick<RunRecord, 'task' | 'model'>): RunRecord {
  return {
    kind: 'polecat', band: 'small', repeat: 0, convoyId: 'c', passed: false, attempts: 1, guardHits: 0, defectsPlanted: 0, defectsFound: 0,
    falseAlarms: 0, codeChanges: 0, calls: 1, promptTokens: 100, completionTokens: 10, firstPromptTokens: 100, callSeconds: 1, tokensPerSecond: 10,
    ttftMs: null, vramPeakMiB: null, costUsd: 0, seconds: 1, error: null, note: '', ...over,
  };
}

export function results(runs: RunRecord[], over: Partial<EvalResults> = {}): EvalResults {
  return { v: 1, id: 'abc123', date: '2026-11-25T10:00:00.000Z', tasksDir: '/t', repeat: 2, attemptsPerModel: 3, models: [], runs, scores: scoreRuns(runs), notes: [], ...over };
}
