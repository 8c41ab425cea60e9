// gth calibrate --speed figures become measured speeds only for whole models on the device the switcher uses them on.
import { describe, expect, it } from 'vitest';
import { applyCalibration, calibratedSpeeds, type Calibration, type CalibrationRun } from '../../../src/fleet/calibration.js';
import { planFleet } from '../../../src/fleet/planner.js';
import { bead, defaultConfig } from './helpers.js';

const SMOL = 'SmolLM2-1.7B-Instruct';

function run(over: Partial<CalibrationRun>): CalibrationRun {
  const buffers = { weightsMiB: 1, kvMiB: 1, computeMiB: 1 };
  return {
    model: SMOL, layers: 24, synthetic: true, device: 'cpu', slots: 1, ctxPerSlot: 1024, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttn: 'auto', args: [],
    estimate: buffers, measured: { ...buffers, computeHostMiB: 0, rssMiB: null, vramMiB: null, slotCtx: [1024] },
    within: { weights: true, kv: true, compute: true },
    genTokensPerSecond: 21.5, promptTokensPerSecond: 140, boundGen: 80,
    ...over,
  };
}

const cal = (runs: CalibrationRun[], device: 'cpu' | 'gpu' = 'cpu'): Calibration => ({ at: '2026-11-30T00:00:00Z', llamaServer: 'llama-server', device, runs });

describe('calibrated speeds', () => {
  const cfg = defaultConfig();
  const fleet = { catalog: cfg.catalog, rules: cfg.switcher.rules };

  it('a whole model measured on the device its rules use: the plan says measured, with that speed', () => {
    const c = cal([run({})]);
    expect(calibratedSpeeds(c, cfg.catalog, cfg.switcher.rules)).toEqual({ [SMOL]: { gen: 21.5, prompt: 140 } });
    const applied = applyCalibration(cfg.hardware, c, fleet);
    expect(applied.notes.join('\n')).toContain(`${SMOL}: decode 21.5 tok/s and prompt 140.0 tok/s on the CPU measured by gth calibrate --speed`);
    const plan = planFleet([bead('ab-d1', { role: 'librarian' })], cfg, { measured: applied.measured });
    const s = plan.servers[0]!;
    expect(s.tokensPerSecondSource).toBe('measured');
    expect(s.tokensPerSecond).toBe(21.5);
    expect(s.promptTokensPerSecondSource).toBe('measured');
  });

  it('a real GGUF counts whatever its layer count; a cut-down synthetic model does not', () => {
    expect(calibratedSpeeds(cal([run({ synthetic: false, layers: 3 })]), cfg.catalog, cfg.switcher.rules)[SMOL]).toBeDefined();
    expect(calibratedSpeeds(cal([run({ layers: 2 })]), cfg.catalog, cfg.switcher.rules)).toEqual({});
  });

  it('a CPU figure never stands for a model the switcher runs on the GPU', () => {
    const coder = 'Qwen2.5-Coder-3B-Instruct';
    expect(calibratedSpeeds(cal([run({ model: coder, layers: 36 })]), cfg.catalog, cfg.switcher.rules)).toEqual({});
    // ... and a GPU calibration says nothing about the CPU librarian.
    expect(calibratedSpeeds(cal([run({ device: 'gpu' })], 'gpu'), cfg.catalog, cfg.switcher.rules)).toEqual({});
  });

  it('the thread count the runs used goes with the speed (so the planner can scale it to the cores a server gets)', () => {
    const c = cal([run({ args: ['-m', 'x.gguf', '--threads', '4', '--threads-batch', '4'] }), run({ args: ['--threads', '4'], genTokensPerSecond: 20 })]);
    expect(calibratedSpeeds(c, cfg.catalog, cfg.switcher.rules)).toEqual({ [SMOL]: { gen: 21.5, prompt: 140, threads: 4 } });
    expect(applyCalibration(cfg.hardware, c, fleet).notes.join('\n')).toContain(`${SMOL}: decode 21.5 tok/s and prompt 140.0 tok/s on the CPU at 4 threads measured`);
    // Runs at different counts: not known, so not scaled.
    const mixed = calibratedSpeeds(cal([run({ args: ['--threads', '4'] }), run({ args: ['--threads', '2'] })]), cfg.catalog, cfg.switcher.rules);
    expect(mixed[SMOL]!.threads).toBeUndefined();
  });

  it('runs without --speed give no speed', () => {
    expect(calibratedSpeeds(cal([run({ genTokensPerSecond: undefined, promptTokensPerSecond: undefined })]), cfg.catalog, cfg.switcher.rules)).toEqual({});
  });
});
