// Scores per model and role from the run records: per-repeat figures, then their spread over repeats (pure).
import type { RunRecord, Score, Stat } from './results-schema.js';
import { TokenBand, type EvalKind } from './task-schema.js';

export function stat(values: number[]): Stat {
  if (values.length === 0) return { mean: 0, min: 0, max: 0, stddev: 0, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, min: Math.min(...values), max: Math.max(...values), stddev: Math.sqrt(variance), n: values.length };
}

const sum = (rs: RunRecord[], f: (r: RunRecord) => number): number => rs.reduce((n, r) => n + f(r), 0);

function byRepeat(runs: RunRecord[]): RunRecord[][] {
  const m = new Map<number, RunRecord[]>();
  for (const r of runs) m.set(r.repeat, [...(m.get(r.repeat) ?? []), r]);
  return [...m.keys()].sort((a, b) => a - b).map((k) => m.get(k)!);
}

/**
 * One Score per (model, role) present in `runs`. Within a repeat: pass rate = passed / tasks, attempts = mean per
 * task, counts are summed, tokens/s = completion tokens / call seconds, TTFT = mean over runs that have one.
 * Each figure then gets mean/min/max/stddev over the repeats. Cost per passed task = all cost / all passes.
 */
export function scoreRuns(runs: RunRecord[]): Score[] {
  const keys = [...new Set(runs.map((r) => `${r.model}\u0000${r.kind}`))];
  return keys.map((key) => {
    const [model, role] = key.split('\u0000') as [string, EvalKind];
    const mine = runs.filter((r) => r.model === model && r.kind === role);
    const reps = byRepeat(mine);
    const per = (f: (rs: RunRecord[]) => number): Stat => stat(reps.map(f));
    const perNullable = (f: (rs: RunRecord[]) => number | null): Stat | null => {
      const vals = reps.map(f).filter((v): v is number => v !== null);
      return vals.length ? stat(vals) : null;
    };
    const passRateByBand = Object.fromEntries(
      TokenBand.options.map((band) => {
        const inBand = reps.map((rs) => rs.filter((r) => r.band === band)).filter((rs) => rs.length > 0);
        return [band, inBand.length ? stat(inBand.map((rs) => rs.filter((r) => r.passed).length / rs.length)) : null];
      }),
    ) as Score['passRateByBand'];
    const calls = sum(mine, (r) => r.calls);
    const passes = mine.filter((r) => r.passed).length;
    const cost = sum(mine, (r) => r.costUsd);
    const peaks = mine.map((r) => r.vramPeakMiB).filter((v): v is number => v !== null);
    const tasks = new Set(mine.map((r) => r.task)).size;
    return {
      model,
      role,
      tasks,
      repeats: reps.length,
      passRate: per((rs) => rs.filter((r) => r.passed).length / rs.length),
      passRateByBand,
      attempts: per((rs) => sum(rs, (r) => r.attempts) / rs.length),
      guardHits: per((rs) => sum(rs, (r) => r.guardHits)),
      guardHitRate: calls > 0 ? sum(mine, (r) => r.guardHits) / calls : 0,
      defectsFound: per((rs) => sum(rs, (r) => r.defectsFound)),
      defectsPlanted: reps[0] ? sum(reps[0], (r) => r.defectsPlanted) : 0,
      falseAlarms: per((rs) => sum(rs, (r) => r.falseAlarms)),
      codeChanges: per((rs) => sum(rs, (r) => r.codeChanges)),
      promptTokens: per((rs) => sum(rs, (r) => r.promptTokens)),
      completionTokens: per((rs) => sum(rs, (r) => r.completionTokens)),
      tokensPerSecond: perNullable((rs) => {
        const s = sum(rs, (r) => r.callSeconds);
        return s > 0 ? sum(rs, (r) => r.completionTokens) / s : null;
      }),
      ttftMs: perNullable((rs) => {
        const t = rs.map((r) => r.ttftMs).filter((v): v is number => v !== null);
        return t.length ? t.reduce((a, b) => a + b, 0) / t.length : null;
      }),
      vramPeakMiB: peaks.length ? Math.max(...peaks) : null,
      costUsd: per((rs) => sum(rs, (r) => r.costUsd)),
      costPerPassedTask: passes > 0 ? cost / passes : null,
    };
  });
}
