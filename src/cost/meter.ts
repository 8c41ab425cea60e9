// Meters every model round trip into the ledger: seconds, GPU energy, money at today's prices.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallMeter, CallMeta, ProviderKind, RoundTrip } from '../providers/types.js';
import type { EnergyResult, PowerSampler } from './energy.js';
import { appendLedgerEntry } from './ledger.js';
import type { LedgerEntry } from './ledger-schema.js';
import { PowerDomain, type LocalDevice } from './power-domain.js';
import { electricityCost, modelPrice, tokenCost, type LoadedPrices } from './prices.js';

export interface LedgerMeterOptions {
  ledgerPath: string;
  prices: LoadedPrices;
  /** Watts charged for local GPU calls when there is no working sampler. */
  localWatts: number;
  /** Reads the whole GPU's draw (nvidia-smi); calls running together share each reading. */
  sampler?: PowerSampler;
  /** Watts charged for calls run on the CPU (0: not charged); the GPU sampler never measures them. */
  cpuWatts?: number;
  cpuSampler?: PowerSampler;
  sampleMs?: number;
  clock?: () => number;
  now?: () => Date;
  logger?: Logger;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * One meter per process, shared by all its providers: its power domains see every local call that runs
 * at the same time, so overlapping calls split the device's energy instead of each counting all of it.
 */
export class LedgerMeter implements CallMeter {
  private readonly domains: Record<LocalDevice, PowerDomain>;
  /** Written on each line, so a report can tell calls this meter split from another process's. */
  readonly id = `${process.pid}-${randomBytes(3).toString('hex')}`;

  constructor(private readonly opts: LedgerMeterOptions) {
    const common = { intervalMs: opts.sampleMs ?? 1000, clock: opts.clock, logger: opts.logger };
    this.domains = {
      gpu: new PowerDomain({ ...common, device: 'gpu', sampler: opts.sampler, watts: opts.localWatts }),
      cpu: new PowerDomain({ ...common, device: 'cpu', sampler: opts.cpuSampler, watts: opts.cpuWatts ?? 0 }),
    };
  }

  async track(
    call: { meta: CallMeta; provider: ProviderKind; model: string; local: boolean; device?: LocalDevice },
    run: () => Promise<RoundTrip>,
  ): Promise<RoundTrip> {
    // Check the price before paying for the call: a call we cannot price must not happen silently.
    const price = call.local ? undefined : modelPrice(this.opts.prices, call.model, `${call.meta.role} calls to ${call.provider}`);
    const clock = this.opts.clock ?? (() => performance.now());
    const started = this.opts.now?.() ?? new Date();
    const t0 = clock();
    // A local call without a device is a GPU call: llama-server offloads to the GPU unless told otherwise.
    const device: LocalDevice | undefined = call.local ? (call.device ?? 'gpu') : undefined;
    const span = device ? this.domains[device].begin() : undefined;
    let result: RoundTrip | undefined;
    let failure: unknown;
    let energy: EnergyResult = { wh: 0, source: 'none' };
    try {
      result = await run();
    } catch (err) {
      failure = err;
    } finally {
      if (span) energy = await span.end();
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
      ...(device ? { device, meter: this.id } : {}),
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
