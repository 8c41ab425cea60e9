// How long a local call would have taken in the cloud: its output tokens at the cloud model's speed.
import type { CostConfig } from './config.js';
import type { LedgerEntry } from './ledger-schema.js';

export interface CloudSpeed {
  model: string;
  /** Output (visible + thinking) tokens per second of wall time, request overhead included. */
  tokensPerSecond: number;
  /** measured: from this ledger's own successful calls to the model; configured: cost.cloudTokensPerSecond. */
  source: 'measured' | 'configured';
  /** Calls the measured speed comes from (0 when configured). */
  calls: number;
}

/**
 * Speed of each cloud model, measured from the ledger's own calls to it (all of the ledger, not only the
 * filtered part: more calls, steadier figure), else the configured figure; absent when neither exists.
 */
export function cloudSpeeds(entries: readonly LedgerEntry[], models: readonly string[], cost: Pick<CostConfig, 'cloudTokensPerSecond'>): Map<string, CloudSpeed> {
  const out = new Map<string, CloudSpeed>();
  for (const model of new Set(models)) {
    const calls = entries.filter((e) => !e.local && e.model === model && e.error === undefined && e.seconds > 0);
    const tokens = calls.reduce((n, e) => n + e.tokens.out + e.tokens.thinking, 0);
    const seconds = calls.reduce((n, e) => n + e.seconds, 0);
    if (calls.length > 0 && tokens > 0) out.set(model, { model, tokensPerSecond: tokens / seconds, source: 'measured', calls: calls.length });
    else if (cost.cloudTokensPerSecond[model] !== undefined) out.set(model, { model, tokensPerSecond: cost.cloudTokensPerSecond[model], source: 'configured', calls: 0 });
  }
  return out;
}

/** Seconds the call would take all-cloud: a cloud call took what it took; a local one, its output at the cloud speed. */
export function allCloudSeconds(e: LedgerEntry, speed: CloudSpeed | undefined): number | null {
  if (!e.local) return e.seconds;
  const tokens = e.tokens.out + e.tokens.thinking;
  if (tokens === 0) return 0;
  return speed ? tokens / speed.tokensPerSecond : null;
}
