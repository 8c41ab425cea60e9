// Measured tokens/s per model, kept in the state folder so the planner prefers them over catalog figures.
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readJson, writeJsonAtomic } from './state-store.js';

const SpeedRecord = z.object({
  gen: z.number().nonnegative(),
  prompt: z.number().nonnegative(),
  /** Generated tokens the figure is based on (more tokens = more trustworthy). */
  tokens: z.number().nonnegative(),
  device: z.enum(['gpu', 'cpu']),
  /** The server's --threads: a CPU figure is scaled by the planner to the threads a server gets. Absent in older files. */
  threads: z.int().positive().optional(),
  updatedAt: z.string(),
});
const SpeedsFile = z.object({ models: z.record(z.string(), SpeedRecord) });
type SpeedsFile = z.infer<typeof SpeedsFile>;
export type SpeedRecord = z.infer<typeof SpeedRecord>;

export const speedsFile = (stateDir: string): string => join(stateDir, 'measured-speeds.json');

/** Measured speeds per model name: `gen` = generation tokens/s, `prompt` = prompt tokens/s, at `threads` when known. */
export function readMeasuredSpeeds(stateDir: string): Record<string, { gen: number; prompt: number; threads?: number }> {
  const file = readJson(speedsFile(stateDir), SpeedsFile);
  const out: Record<string, { gen: number; prompt: number; threads?: number }> = {};
  for (const [model, r] of Object.entries(file?.models ?? {})) out[model] = { gen: r.gen, prompt: r.prompt, ...(r.threads ? { threads: r.threads } : {}) };
  return out;
}

/** Full records, device and sample size included. */
export function readSpeedRecords(stateDir: string): Record<string, SpeedRecord> {
  return readJson(speedsFile(stateDir), SpeedsFile)?.models ?? {};
}

/** One /metrics interval of one server: llama-server's throughput gauges cover the time since the previous scrape. */
export interface SpeedSample {
  gen: number;
  prompt: number;
  /** Tokens generated in that interval (the delta of llamacpp:tokens_predicted_total). */
  genTokens: number;
  /** The server's --threads, when its arguments say. */
  threads?: number;
}

/** Older samples weigh at most this many tokens, so a changed setup shows up within a few runs. */
const MAX_WEIGHT_TOKENS = 20_000;

/**
 * Folds a sample into the stored figure as a token-weighted average (a run measured on the other device, or
 * with another thread count, replaces it). Intervals without generated tokens carry no speed: null.
 */
function foldSample(file: SpeedsFile, model: string, device: 'gpu' | 'cpu', sample: SpeedSample, now: Date): SpeedsFile | null {
  if (sample.genTokens <= 0 || sample.gen <= 0) return null;
  const prev = file.models[model];
  const same = prev && prev.device === device && prev.threads === sample.threads;
  const w = same ? Math.min(prev.tokens, MAX_WEIGHT_TOKENS) : 0;
  const mix = (old: number, cur: number): number => (w > 0 && old > 0 ? (old * w + cur * sample.genTokens) / (w + sample.genTokens) : cur);
  const record: SpeedRecord = {
    gen: mix(prev?.gen ?? 0, sample.gen),
    prompt: sample.prompt > 0 ? mix(prev?.prompt ?? 0, sample.prompt) : same ? prev.prompt : 0,
    tokens: (same ? prev.tokens : 0) + sample.genTokens,
    device,
    ...(sample.threads ? { threads: sample.threads } : {}),
    updatedAt: now.toISOString(),
  };
  return { models: { ...file.models, [model]: record } };
}

/** Folds one sample into the file and writes it at once (durably); false when the sample carried no speed. */
export function recordMeasuredSpeed(
  stateDir: string,
  model: string,
  device: 'gpu' | 'cpu',
  sample: SpeedSample,
  now: Date = new Date(),
): boolean {
  const next = foldSample(readJson(speedsFile(stateDir), SpeedsFile) ?? { models: {} }, model, device, sample, now);
  if (next) writeJsonAtomic(speedsFile(stateDir), next);
  return next !== null;
}

/** One write after another per file: two scrapes at once (a stop's last scrape and the periodic one) must not both
 * read the old figures and lose one sample. */
const chains = new Map<string, Promise<unknown>>();

/**
 * The supervisor's periodic form, off the event loop: the endpoint shares the process, and a synchronous fsync per
 * scrape stalled its requests. The file's data is still synced before the rename (on the thread pool), so a power cut
 * leaves the old file or the new one, never a torn one the planner would refuse to read. The folder's fsync is
 * dropped: losing the rename only loses this scrape, one sample of a running average that the next scrape refreshes.
 */
export function recordMeasuredSpeedAsync(
  stateDir: string,
  model: string,
  device: 'gpu' | 'cpu',
  sample: SpeedSample,
  now: Date = new Date(),
): Promise<boolean> {
  const path = speedsFile(stateDir);
  const run = (chains.get(path) ?? Promise.resolve()).catch(() => undefined).then(async () => {
    const next = foldSample(readJson(path, SpeedsFile) ?? { models: {} }, model, device, sample, now);
    if (next) await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`, { syncDir: false });
    return next !== null;
  });
  chains.set(path, run);
  // The chain entry goes once this write is the last one queued, so the map does not grow with every file.
  void run.catch(() => undefined).finally(() => {
    if (chains.get(path) === run) chains.delete(path);
  });
  return run;
}
