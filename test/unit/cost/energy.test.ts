import { describe, expect, it } from 'vitest';
import { configuredWh, energyBetween, integrateWh, powerSamplerFrom, splitEnergy } from '../../../src/cost/energy.js';
import { PowerDomain, startEnergySpan } from '../../../src/cost/power-domain.js';

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

describe('splitEnergy', () => {
  // One sample: the power is held flat at 300 W for all time.
  const flat300 = [{ tMs: 0, watts: 300 }];

  it('gives a call alone all of the energy of its time', () => {
    const s = splitEnergy(flat300, [{ id: 'a', startMs: 0, endMs: 12_000 }]);
    expect(s.get('a')).toBeCloseTo((300 * 12) / 3600, 12); // 1 Wh
  });

  it('halves the draw while two calls overlap, so the shares add up to the device total, not twice it', () => {
    // a: 0-10 s, b: 5-15 s at a flat 300 W: a alone 5 s (1500 J) + shared 5 s (750 J) = 2250 J; b the same.
    const s = splitEnergy(flat300, [{ id: 'a', startMs: 0, endMs: 10_000 }, { id: 'b', startMs: 5_000, endMs: 15_000 }]);
    expect(s.get('a')).toBeCloseTo(2250 / 3600, 12);
    expect(s.get('b')).toBeCloseTo(2250 / 3600, 12);
    // The device ran 15 s at 300 W: 4500 J. Counting each call's whole span would say 6000 J.
    expect(s.get('a')! + s.get('b')!).toBeCloseTo(energyBetween(flat300, 0, 15_000), 12);
    expect(energyBetween(flat300, 0, 15_000)).toBeCloseTo(4500 / 3600, 12);
  });

  it('follows the sampled power curve: each call pays for the watts drawn during its own time', () => {
    // Power ramps 100 W at 0 s -> 300 W at 20 s. a: 0-20 s, b: 10-20 s.
    const ramp = [{ tMs: 0, watts: 100 }, { tMs: 20_000, watts: 300 }];
    const s = splitEnergy(ramp, [{ id: 'a', startMs: 0, endMs: 20_000 }, { id: 'b', startMs: 10_000, endMs: 20_000 }]);
    // 0-10 s: mean 150 W x 10 s = 1500 J, a alone. 10-20 s: mean 250 W x 10 s = 2500 J, halved.
    expect(s.get('a')).toBeCloseTo((1500 + 1250) / 3600, 12);
    expect(s.get('b')).toBeCloseTo(1250 / 3600, 12);
    expect(s.get('a')! + s.get('b')!).toBeCloseTo(integrateWh(ramp), 12);
  });

  it('charges nothing for time when no call runs, and splits three ways when three overlap', () => {
    const s = splitEnergy(flat300, [
      { id: 1, startMs: 0, endMs: 3_000 },
      { id: 2, startMs: 0, endMs: 3_000 },
      { id: 3, startMs: 0, endMs: 3_000 },
      { id: 4, startMs: 60_000, endMs: 63_000 },
    ]);
    for (const id of [1, 2, 3]) expect(s.get(id)).toBeCloseTo(300 / 3600, 12); // 900 J / 3
    expect(s.get(4)).toBeCloseTo(900 / 3600, 12); // the idle minute between is nobody's
  });
});

describe('PowerDomain', () => {
  it('splits sampled GPU energy between two overlapping calls; their sum is what the GPU drew', async () => {
    let now = 0;
    const gpu = new PowerDomain({ device: 'gpu', sampler: async () => 300, watts: 999, intervalMs: 60_000, clock: () => now });
    const a = gpu.begin();
    now = 5_000;
    const b = gpu.begin();
    expect(gpu.running).toBe(2);
    now = 10_000;
    const ea = await a.end();
    now = 15_000;
    const eb = await b.end();
    expect(ea).toEqual({ wh: expect.closeTo(2250 / 3600, 12), source: 'sampled' });
    expect(eb).toEqual({ wh: expect.closeTo(2250 / 3600, 12), source: 'sampled' });
    expect(ea.wh + eb.wh).toBeCloseTo((300 * 15) / 3600, 12);
    expect(gpu.running).toBe(0);
  });

  it('shares configured watts too, and starts afresh once the device is idle', async () => {
    let now = 0;
    const cpu = new PowerDomain({ device: 'cpu', watts: 120, intervalMs: 1000, clock: () => now });
    const a = cpu.begin();
    const b = cpu.begin();
    now = 30_000;
    const [ea, eb] = [await a.end(), await b.end()];
    // 30 s at 120 W = 1 Wh for the device, half each.
    expect([ea, eb]).toEqual([{ wh: 0.5, source: 'configured' }, { wh: 0.5, source: 'configured' }]);
    const c = cpu.begin();
    now = 60_000;
    expect(await c.end()).toEqual({ wh: 1, source: 'configured' });
  });
});
