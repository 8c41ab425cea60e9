// Measured tokens/s per model, kept in the state folder so the planner prefers them over catalog figures.
import { join } from 'node:path';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from './state-store.js';
import type { LlamaMetrics } from './prometheus.js';

const SpeedRecord = z.object({
  gen: z.number().nonnegative(),
  prompt: z.number().nonnegative(),
  /** Generated tokens the figure is based on (more tokens = more trustworthy). */
  tokens: z.number().nonnegative(),
  device: z.enum(['gpu', 'cpu']),
  updatedAt: z.string(),
});
const SpeedsFile = z.object({ models: z.record(z.string(), SpeedRecord) });
export type SpeedRecord = z.infer<typeof SpeedRecord>;

export const speedsFile = (stateDir: string): string => join(stateDir, 'measured-speeds.json');

/** Measured speeds per model name: `gen` = generation tokens/s, `prompt` = prompt tokens/s. */
export function readMeasuredSpeeds(stateDir: string): Record<string, { gen: number; prompt: number }> {
  const file = readJson(speedsFile(stateDir), SpeedsFile);
  const out: Record<string, { gen: number; prompt: number }> = {};
  for (const [model, r] of Object.entries(file?.models ?? {})) out[model] = { gen: r.gen, prompt: r.prompt };
  return out;
}

/** Full records, device and sample size included. */
export function readSpeedRecords(stateDir: string): Record<string, SpeedRecord> {
  return readJson(speedsFile(stateDir), SpeedsFile)?.models ?? {};
}

/**
 * Stores a scrape. llama-server's gauges are averages since it started, so a scrape with more
 * generated tokens than the stored one replaces it; a server's first few tokens do not overwrite
 * a long-run figure from an earlier start.
 */
export function recordMeasuredSpeed(
  stateDir: string,
  model: string,
  device: 'gpu' | 'cpu',
  m: LlamaMetrics,
  now: Date = new Date(),
): boolean {
  if (m.tokensPredictedTotal <= 0 || m.predictedTokensPerSecond <= 0) return false;
  const file = readJson(speedsFile(stateDir), SpeedsFile) ?? { models: {} };
  const prev = file.models[model];
  if (prev && prev.device === device && prev.tokens > m.tokensPredictedTotal && prev.updatedAt > new Date(now.getTime() - 7 * 86400_000).toISOString()) {
    return false;
  }
  file.models[model] = {
    gen: m.predictedTokensPerSecond,
    prompt: m.promptTokensPerSecond > 0 ? m.promptTokensPerSecond : (prev?.prompt ?? 0),
    tokens: m.tokensPredictedTotal,
    device,
    updatedAt: now.toISOString(),
  };
  writeJsonAtomic(speedsFile(stateDir), file);
  return true;
}
