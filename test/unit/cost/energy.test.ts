import { describe, expect, it } from 'vitest';
import { configuredWh, integrateWh, powerSamplerFrom, startEnergySpan } from '../../../src/cost/energy.js';

describe('integrateWh', () => {
  it('integrates power over time with the trapezoid rule', () => {
    // 0-10 s at 100 W -> 200 W ramp = 1500 J; 10-20 s flat 200 W = 2000 J; total 3500 J = 0.97222 Wh
    const wh = integrateWh([{ tMs: 0, watts: 100 }, { tMs: 10_000, watts: 200 }, { tMs: 20_000, watts: 200 }]);
    expect(wh).toBeCloseTo(3500 / 3600, 12);
    expect(integrateWh([{ tMs: 0, watts: 300 }])).toBe(0);
  });
  it('charges configured watts for the duration', () => {
    expect(configuredWh(320, 90)).toBeCloseTo(8, 12);
  });
});

describe('startEnergySpan', () => {
  it('samples at start and stop and integrates the readings', async () => {
    let now = 0;
    const readings = [100, 300];
    const span = startEnergySpan({ sampler: async () => readings.shift() ?? 0, watts: 999, intervalMs: 60_000, clock: () => now });
    now = 36_000; // 36 s later, stop takes the second reading
    const r = await span.stop();
    // first reading at t=0 (100 W), second at t=36 s (300 W): mean 200 W x 36 s = 7200 J = 2 Wh
    expect(r).toEqual({ wh: 2, source: 'sampled' });
  });
  it('falls back to configured watts when the sampler fails', async () => {
    let now = 0;
    const span = startEnergySpan({ sampler: async () => { throw new Error('nvidia-smi: not found'); }, watts: 320, intervalMs: 60_000, clock: () => now });
    now = 45_000;
    expect(await span.stop()).toEqual({ wh: 4, source: 'configured' });
  });
  it('uses configured watts without a sampler, and reports none at 0 W', async () => {
    let now = 0;
    const a = startEnergySpan({ watts: 200, intervalMs: 1000, clock: () => now });
    now = 18_000;
    expect(await a.stop()).toEqual({ wh: 1, source: 'configured' });
    const b = startEnergySpan({ watts: 0, intervalMs: 1000, clock: () => now });
    expect(await b.stop()).toEqual({ wh: 0, source: 'none' });
  });
});

describe('powerSamplerFrom', () => {
  it('reads powerW from a GPU reader and rejects readings without it', async () => {
    expect(await powerSamplerFrom({ read: async () => ({ powerW: 231.5 }) })()).toBe(231.5);
    await expect(powerSamplerFrom({ read: async () => ({ powerW: null }) })()).rejects.toThrow(/no power\.draw/);
    await expect(powerSamplerFrom({ read: async () => null })()).rejects.toThrow(/no power\.draw/);
  });
});
