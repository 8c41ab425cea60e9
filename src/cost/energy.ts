// GPU energy of a call: integrate sampled power draw over the call, or configured watts x seconds.
import type { Logger } from 'pino';

/** Returns the current power draw in watts (e.g. from nvidia-smi --query-gpu=power.draw). */
export type PowerSampler = () => Promise<number>;

export interface PowerSample {
  tMs: number;
  watts: number;
}

/** Trapezoid rule over time-ordered samples; Wh = integral of W dt / 3600 s. */
export function integrateWh(samples: PowerSample[]): number {
  let joules = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    joules += ((a.watts + b.watts) / 2) * ((b.tMs - a.tMs) / 1000);
  }
  return joules / 3600;
}

export function configuredWh(watts: number, seconds: number): number {
  return (watts * seconds) / 3600;
}

export interface EnergyResult {
  wh: number;
  source: 'sampled' | 'configured' | 'none';
}

export interface EnergyOptions {
  sampler?: PowerSampler;
  /** Used when there is no sampler or it fails (no GPU, no nvidia-smi). */
  watts: number;
  intervalMs: number;
  clock?: () => number;
  logger?: Logger;
}

/** Starts measuring; `stop()` returns the energy since start. Sampling failures fall back to watts. */
export function startEnergySpan(opts: EnergyOptions): { stop(): Promise<EnergyResult> } {
  const clock = opts.clock ?? (() => performance.now());
  const t0 = clock();
  const samples: PowerSample[] = [];
  let failed = false;
  let pending: Promise<void> = Promise.resolve();
  const sample = (): void => {
    if (!opts.sampler || failed) return;
    // Start the reading now and stamp it with the time it was asked for, not when it arrived.
    const tMs = clock();
    const reading = opts.sampler().then(
      (watts) => ({ watts }),
      (err: unknown) => ({ err }),
    );
    // Chain the bookkeeping so samples land in time order even when one reading is slow.
    pending = pending.then(async () => {
      try {
        const r = await reading;
        if ('err' in r) throw r.err;
        const watts = r.watts;
        if (!Number.isFinite(watts) || watts < 0) throw new Error(`bad power reading ${watts}`);
        samples.push({ tMs, watts });
      } catch (err) {
        failed = true;
        opts.logger?.warn({ err: (err as Error).message }, 'power sampling failed; using configured watts');
      }
    });
  };
  sample();
  const timer = opts.sampler ? setInterval(sample, opts.intervalMs) : undefined;
  timer?.unref?.();
  return {
    async stop(): Promise<EnergyResult> {
      if (timer) clearInterval(timer);
      sample();
      await pending;
      const seconds = (clock() - t0) / 1000;
      if (opts.sampler && !failed && samples.length >= 2) return { wh: integrateWh(samples), source: 'sampled' };
      if (opts.watts > 0) return { wh: configuredWh(opts.watts, seconds), source: 'configured' };
      return { wh: 0, source: 'none' };
    },
  };
}

/** Adapts a GPU reader such as src/runtime's NvidiaSmi (`read()` with `powerW`) into a PowerSampler. */
export function powerSamplerFrom(reader: { read(): Promise<{ powerW: number | null } | null> }): PowerSampler {
  return async () => {
    const r = await reader.read();
    if (!r || r.powerW === null) throw new Error('the GPU reading has no power.draw value');
    return r.powerW;
  };
}
