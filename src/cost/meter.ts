// Meters every model round trip into the ledger: seconds, GPU energy, money at today's prices.
import type { Logger } from 'pino';
import type { CallMeter, CallMeta, ProviderKind, RoundTrip } from '../providers/types.js';
import { startEnergySpan, type EnergyResult, type PowerSampler } from './energy.js';
import { appendLedgerEntry } from './ledger.js';
import type { LedgerEntry } from './ledger-schema.js';
import { electricityCost, modelPrice, tokenCost, type LoadedPrices } from './prices.js';

export interface LedgerMeterOptions {
  ledgerPath: string;
  prices: LoadedPrices;
  /** Watts charged for local calls when there is no working sampler. */
  localWatts: number;
  sampler?: PowerSampler;
  sampleMs?: number;
  clock?: () => number;
  now?: () => Date;
  logger?: Logger;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export class LedgerMeter implements CallMeter {
  constructor(private readonly opts: LedgerMeterOptions) {}

  async track(
    call: { meta: CallMeta; provider: ProviderKind; model: string; local: boolean },
    run: () => Promise<RoundTrip>,
  ): Promise<RoundTrip> {
    // Check the price before paying for the call: a call we cannot price must not happen silently.
    const price = call.local ? undefined : modelPrice(this.opts.prices, call.model, `${call.meta.role} calls to ${call.provider}`);
    const clock = this.opts.clock ?? (() => performance.now());
    const started = this.opts.now?.() ?? new Date();
    const t0 = clock();
    const span = call.local
      ? startEnergySpan({ sampler: this.opts.sampler, watts: this.opts.localWatts, intervalMs: this.opts.sampleMs ?? 1000, clock, logger: this.opts.logger })
      : undefined;
    let result: RoundTrip | undefined;
    let failure: unknown;
    let energy: EnergyResult = { wh: 0, source: 'none' };
    try {
      result = await run();
    } catch (err) {
      failure = err;
    } finally {
      if (span) energy = await span.stop();
    }
    const seconds = (clock() - t0) / 1000;
    // A failed call used time (and, locally, power) but no billable tokens: it is recorded too.
    const usage = result?.usage ?? { prompt: 0, completion: 0, cached: 0, thinking: 0 };
    const cloudUsd = price ? tokenCost(price, usage) : 0;
    const electricityUsd = electricityCost(this.opts.prices, energy.wh);
    const entry: LedgerEntry = {
      v: 1,
      time: started.toISOString(),
      role: call.meta.role,
      bead: call.meta.beadId ?? null,
      convoy: call.meta.convoyId ?? null,
      ...(call.meta.caller ? { caller: call.meta.caller } : {}),
      provider: call.provider,
      model: call.model,
      local: call.local,
      tokens: { in: usage.prompt, out: usage.completion, cached: usage.cached, thinking: usage.thinking },
      seconds: round(seconds, 3),
      ...(result?.ttftMs !== undefined ? { ttftSeconds: round(result.ttftMs / 1000, 3) } : {}),
      energyWh: round(energy.wh, 6),
      energySource: energy.source,
      money: { cloudUsd: round(cloudUsd, 8), electricityUsd: round(electricityUsd, 8), totalUsd: round(cloudUsd + electricityUsd, 8) },
      ...(failure !== undefined ? { error: errorText(failure) } : {}),
    };
    try {
      await appendLedgerEntry(this.opts.ledgerPath, entry);
    } catch (err) {
      // The answer is already paid for; losing it to a full disk would waste it twice.
      this.opts.logger?.error({ err: (err as Error).message, ledger: this.opts.ledgerPath }, 'could not append to the cost ledger');
    }
    if (failure !== undefined || !result) throw failure;
    return result;
  }
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
