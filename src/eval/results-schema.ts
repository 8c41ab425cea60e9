// The saved eval results (.gastown-state/eval/<date>-<id>.json): one record per run, scores per model and role.
import { z } from 'zod';
import { EvalKind, TokenBand } from './task-schema.js';

const Num = z.number();
const Count = z.int().nonnegative();

/** One task run by one model once. */
export const RunRecord = z.object({
  task: z.string(),
  kind: EvalKind,
  band: TokenBand.nullable(),
  model: z.string(),
  repeat: z.int().nonnegative(),
  convoyId: z.string(),
  passed: z.boolean(),
  /** Polecat edit/test rounds used (1..attemptsPerModel); model calls for the other roles. */
  attempts: Count,
  /** Answers the engine's GDScript guard rejected (Godot 3 syntax). */
  guardHits: Count,
  defectsPlanted: Count,
  defectsFound: Count,
  falseAlarms: Count,
  /** Librarian only: code changes it tried (must be zero). */
  codeChanges: Count,
  calls: Count,
  promptTokens: Count,
  completionTokens: Count,
  /** Prompt tokens of the first call, the figure the task's band is about. */
  firstPromptTokens: Count.nullable(),
  callSeconds: Num.nonnegative(),
  tokensPerSecond: Num.nullable(),
  ttftMs: Num.nullable(),
  vramPeakMiB: Num.nullable(),
  costUsd: Num.nonnegative(),
  seconds: Num.nonnegative(),
  error: z.string().nullable(),
  note: z.string().default(''),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** Spread over repeats. */
export const Stat = z.object({ mean: Num, min: Num, max: Num, stddev: Num, n: Count });
export type Stat = z.infer<typeof Stat>;

export const Score = z.object({
  model: z.string(),
  role: EvalKind,
  tasks: Count,
  repeats: Count,
  passRate: Stat,
  /** Polecat pass rate per token band (tasks of that band only); null where the set has none. */
  passRateByBand: z.record(TokenBand, Stat.nullable()),
  attempts: Stat,
  guardHits: Stat,
  /** Guard hits per model call, over all repeats. */
  guardHitRate: Num,
  defectsFound: Stat,
  defectsPlanted: Count,
  falseAlarms: Stat,
  codeChanges: Stat,
  promptTokens: Stat,
  completionTokens: Stat,
  tokensPerSecond: Stat.nullable(),
  ttftMs: Stat.nullable(),
  vramPeakMiB: Num.nullable(),
  costUsd: Stat,
  costPerPassedTask: Num.nullable(),
});
export type Score = z.infer<typeof Score>;

export const ModelInfo = z.object({
  name: z.string(),
  label: z.string(),
  file: z.string().nullable(),
  sha256: z.string().nullable(),
  note: z.string().default(''),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const EvalResults = z.object({
  v: z.literal(1),
  id: z.string(),
  date: z.string(),
  tasksDir: z.string(),
  repeat: z.int().positive(),
  attemptsPerModel: z.int().positive(),
  models: z.array(ModelInfo),
  runs: z.array(RunRecord),
  scores: z.array(Score),
  notes: z.array(z.string()).default([]),
});
export type EvalResults = z.infer<typeof EvalResults>;
