// Energy of calls: integrate sampled power draw, or configured watts x seconds, shared among overlapping calls.

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

/** Power at time t: linear between samples (as the trapezoid rule assumes), held flat beyond the ends. */
function powerAt(samples: readonly PowerSample[], t: number): number {
  if (samples.length === 0) return 0;
  if (t <= samples[0]!.tMs) return samples[0]!.watts;
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i]!;
    if (t <= b.tMs) {
      const a = samples[i - 1]!;
      return b.tMs === a.tMs ? b.watts : a.watts + ((b.watts - a.watts) * (t - a.tMs)) / (b.tMs - a.tMs);
    }
  }
  return samples[samples.length - 1]!.watts;
}

/** Wh drawn between fromMs and toMs under the sampled power curve (time-ordered samples). */
export function energyBetween(samples: readonly PowerSample[], fromMs: number, toMs: number): number {
  if (toMs <= fromMs || samples.length === 0) return 0;
  const points = [fromMs, ...samples.map((s) => s.tMs).filter((t) => t > fromMs && t < toMs), toMs];
  return integrateWh(points.map((t) => ({ tMs: t, watts: powerAt(samples, t) })));
}

/** One call's time on a device; endMs is when it finished (or "now" for one still running). */
export interface CallSpan<K> {
  id: K;
  startMs: number;
  endMs: number;
}

/**
 * Splits a device's energy among the calls that ran on it. The power sampled while n calls run at once
 * is their shared draw, not each one's: every stretch of time gives each running call 1/n of its energy.
 * So the shares add up to the energy over the union of the calls' time, never to twice it.
 */
export function splitEnergy<K>(samples: readonly PowerSample[], calls: readonly CallSpan<K>[]): Map<K, number> {
  const shares = new Map<K, number>(calls.map((c) => [c.id, 0]));
  const cuts = [...new Set([...samples.map((s) => s.tMs), ...calls.flatMap((c) => [c.startMs, c.endMs])])].sort((a, b) => a - b);
  for (let i = 1; i < cuts.length; i++) {
    const from = cuts[i - 1]!;
    const to = cuts[i]!;
    const running = calls.filter((c) => c.startMs <= from && c.endMs >= to);
    if (running.length === 0) continue;
    const each = energyBetween(samples, from, to) / running.length;
    for (const c of running) shares.set(c.id, shares.get(c.id)! + each);
  }
  return shares;
}

/** Adapts a GPU reader such as src/runtime's NvidiaSmi (`read()` with `powerW`) into a PowerSampler. */
export function powerSamplerFrom(reader: { read(): Promise<{ powerW: number | null } | null> }): PowerSampler {
  return async () => {
    const r = await reader.read();
    if (!r || r.powerW === null) throw new Error('the GPU reading has no power.draw value');
    return r.powerW;
  };
}
