// One device's power (the GPU, or the CPU) shared among the calls running on it at the same time.
import type { Logger } from 'pino';
import { splitEnergy, type EnergyResult, type PowerSample, type PowerSampler } from './energy.js';

/** Where a local call ran; each kind is its own power domain with its own meter or configured watts. */
export type LocalDevice = 'gpu' | 'cpu';

export interface PowerDomainOptions {
  device: LocalDevice;
  /** Reads the whole device's draw; without one (or when it fails), `watts` is charged. */
  sampler?: PowerSampler;
  watts: number;
  intervalMs: number;
  clock?: () => number;
  logger?: Logger;
}

interface Running {
  startMs: number;
  endMs: number | null;
}

/**
 * Samples the device while any call runs on it and charges each call its share of the draw: a sample of
 * the whole GPU taken while two calls run is half each call's (src/cost/energy.ts splitEnergy). Calls are
 * known from begin() to end(), so the meter must use one domain per device for all its calls.
 */
export class PowerDomain {
  private samples: PowerSample[] = [];
  private readonly calls = new Map<number, Running>();
  private nextId = 1;
  private timer: ReturnType<typeof setInterval> | undefined;
  private pending: Promise<void> = Promise.resolve();
  /** A reading failed while these calls ran: they are charged configured watts instead. */
  private failed = false;
  private warned = false;
  private readonly clock: () => number;

  constructor(private readonly opts: PowerDomainOptions) {
    this.clock = opts.clock ?? (() => performance.now());
  }

  get device(): LocalDevice {
    return this.opts.device;
  }

  /** Calls running now (for tests and logs). */
  get running(): number {
    return [...this.calls.values()].filter((c) => c.endMs === null).length;
  }

  begin(): { end(): Promise<EnergyResult> } {
    const id = this.nextId++;
    const t = this.clock();
    this.calls.set(id, { startMs: t, endMs: null });
    this.sample(t);
    if (this.opts.sampler && !this.timer) {
      this.timer = setInterval(() => this.sample(this.clock()), this.opts.intervalMs);
      this.timer.unref?.();
    }
    let ended: Promise<EnergyResult> | undefined;
    return { end: () => (ended ??= this.end(id)) };
  }

  private sample(tMs: number): void {
    const sampler = this.opts.sampler;
    if (!sampler || this.failed) return;
    // Start the reading now and stamp it with the time it was asked for, not when it arrived.
    const reading = sampler().then(
      (watts) => ({ watts }),
      (err: unknown) => ({ err }),
    );
    // Chain the bookkeeping so samples land in time order even when one reading is slow.
    this.pending = this.pending.then(async () => {
      const r = await reading;
      try {
        if ('err' in r) throw r.err;
        if (!Number.isFinite(r.watts) || r.watts < 0) throw new Error(`bad power reading ${r.watts}`);
        this.samples.push({ tMs, watts: r.watts });
      } catch (err) {
        this.failed = true;
        // Said once: without a driver every busy stretch fails the same way, and the ledger records the source.
        const log = this.warned ? this.opts.logger?.debug.bind(this.opts.logger) : this.opts.logger?.warn.bind(this.opts.logger);
        this.warned = true;
        log?.({ err: (err as Error).message, device: this.opts.device }, 'cannot read the power draw; charging configured watts (cost.localWatts for the GPU, cost.cpuWatts for the CPU; cost.powerSampler: none stops trying)');
      }
    });
  }

  private async end(id: number): Promise<EnergyResult> {
    const t = this.clock();
    const me = this.calls.get(id)!;
    me.endMs = t;
    this.sample(t);
    await this.pending;
    const spans = [...this.calls.entries()].map(([k, c]) => ({ id: k, startMs: c.startMs, endMs: c.endMs ?? t }));
    let result: EnergyResult;
    if (this.opts.sampler && !this.failed && this.samples.length >= 2) {
      result = { wh: splitEnergy(this.samples, spans).get(id)!, source: 'sampled' };
    } else if (this.opts.watts > 0) {
      // Configured watts are the device's draw too: calls running together share them.
      result = { wh: splitEnergy([{ tMs: me.startMs, watts: this.opts.watts }], spans).get(id)!, source: 'configured' };
    } else {
      result = { wh: 0, source: 'none' };
    }
    this.forget();
    return result;
  }

  /** Drops what no running call can still need; an idle device starts afresh (and retries a failed sampler). */
  private forget(): void {
    const open = [...this.calls.values()].filter((c) => c.endMs === null);
    if (open.length === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      this.calls.clear();
      this.samples = [];
      this.failed = false;
      return;
    }
    const oldest = Math.min(...open.map((c) => c.startMs));
    for (const [k, c] of this.calls) if (c.endMs !== null && c.endMs < oldest) this.calls.delete(k);
    // Keep the last sample at or before the oldest running call: the power curve starts there.
    const keepFrom = this.samples.findLastIndex((s) => s.tMs <= oldest);
    if (keepFrom > 0) this.samples = this.samples.slice(keepFrom);
  }
}

export interface EnergyOptions {
  sampler?: PowerSampler;
  /** Used when there is no sampler or it fails (no GPU, no nvidia-smi). */
  watts: number;
  intervalMs: number;
  clock?: () => number;
  logger?: Logger;
}

/** Measures one call on a device of its own; `stop()` returns the energy since start. */
export function startEnergySpan(opts: EnergyOptions): { stop(): Promise<EnergyResult> } {
  const call = new PowerDomain({ ...opts, device: 'gpu' }).begin();
  return { stop: () => call.end() };
}
