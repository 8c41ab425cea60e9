// Pure runtime logic: Prometheus parsing, crash policy, budget fit, launch arguments, nvidia-smi parsing, VRAM pressure.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePrometheus, toLlamaMetrics } from '../../../src/runtime/prometheus.js';
import { decideAfterCrash } from '../../../src/runtime/restart-policy.js';
import { checkFit } from '../../../src/runtime/budget.js';
import { buildLaunch, describeLaunch } from '../../../src/runtime/server-args.js';
import { parseComputeApps, parseGpuQuery } from '../../../src/runtime/gpu.js';
import { assessPressure } from '../../../src/runtime/vram-pressure.js';
import { ServerPlan } from '../../../src/fleet/plan-schema.js';

const policy = { backoffMs: 1000, maxBackoffMs: 5000, maxCrashes: 3, windowMs: 60_000 };

describe('parsePrometheus', () => {
  it('reads llama-server samples, skipping comments and labels', () => {
    const text = [
      '# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.',
      '# TYPE llamacpp:prompt_tokens_total counter',
      'llamacpp:prompt_tokens_total 1234',
      'llamacpp:predicted_tokens_seconds 87.5',
      'llamacpp:tokens_predicted_total 99',
      'llamacpp:spec_decode_num_accepted_tokens_per_pos_total{position="0"} 7',
      'llamacpp:requests_deferred 2',
      'garbage line here',
    ].join('\n');
    const m = toLlamaMetrics(parsePrometheus(text));
    expect(m).toEqual({ promptTokensTotal: 1234, tokensPredictedTotal: 99, promptTokensPerSecond: 0, predictedTokensPerSecond: 87.5, requestsProcessing: 0, requestsDeferred: 2 });
    expect(parsePrometheus(text).get('llamacpp:spec_decode_num_accepted_tokens_per_pos_total')).toBe(7);
  });
});

describe('decideAfterCrash', () => {
  it('doubles the backoff per crash in the window, capped, and gives up at K', () => {
    expect(decideAfterCrash([], 100_000, policy)).toEqual({ crashes: [100_000], action: 'restart', delayMs: 1000 });
    expect(decideAfterCrash([99_000], 100_000, policy)).toMatchObject({ action: 'restart', delayMs: 2000 });
    expect(decideAfterCrash([98_000, 99_000], 100_000, policy)).toMatchObject({ action: 'give-up' });
  });

  it('forgets crashes older than the window', () => {
    expect(decideAfterCrash([10_000, 20_000], 100_000, policy)).toEqual({ crashes: [100_000], action: 'restart', delayMs: 1000 });
  });

  it('never waits longer than maxBackoffMs and gives up exactly when K crashes fall in the window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 6 }), (times) => {
        const d = decideAfterCrash(times, 200_000, { ...policy, maxCrashes: 10 });
        const recent = times.filter((t) => 200_000 - t < policy.windowMs).length + 1;
        expect(d.delayMs).toBeLessThanOrEqual(policy.maxBackoffMs);
        expect(d.crashes).toHaveLength(recent);
        expect(d.action).toBe(recent >= 10 ? 'give-up' : 'restart');
      }),
    );
  });
});

describe('checkFit', () => {
  const base = { vramBudgetMiB: 8540, ramBudgetMiB: 100_000, desktopReserveMiB: 1700, ownUsedMiB: 0 };
  it('accepts a server that fits both the plan budget and the live free VRAM', () => {
    expect(checkFit({ ...base, candidate: { id: 'a', device: 'gpu', vramMiB: 4000, ramMiB: 500 }, running: [], gpu: { usedMiB: 1200, totalMiB: 10240, powerW: null, utilizationPct: null } })).toBeNull();
  });
  it('gives the desktop the larger of its use and its reserve, and counts our loading servers by estimate', () => {
    const gpu = (usedMiB: number): { usedMiB: number; totalMiB: number; powerW: null; utilizationPct: null } => ({ usedMiB, totalMiB: 10240, powerW: null, utilizationPct: null });
    const running = [{ id: 'a', device: 'gpu' as const, vramMiB: 4000, ramMiB: 0 }];
    const base = { vramBudgetMiB: 10_240, ramBudgetMiB: 100_000, desktopReserveMiB: 1700 }; // only the live check binds here
    // Desktop 200 MiB (< 1700 reserve), server a shows 1000 of its 4000 so far: 10240 - 1700 - 4000 = 4540 free.
    expect(checkFit({ ...base, candidate: { id: 'b', device: 'gpu', vramMiB: 4540, ramMiB: 0 }, running, gpu: gpu(1200), ownUsedMiB: 1000 })).toBeNull();
    expect(checkFit({ ...base, candidate: { id: 'b', device: 'gpu', vramMiB: 4541, ramMiB: 0 }, running, gpu: gpu(1200), ownUsedMiB: 1000 }))
      .toBe('b needs 4541 MiB VRAM but only 4540 MiB is free (nvidia-smi: 1200 of 10240 MiB used, desktop 200 MiB, desktop reserve 1700 MiB)');
    // A game took 3000 MiB: the desktop's real use counts, not the reserve.
    expect(checkFit({ ...base, candidate: { id: 'b', device: 'gpu', vramMiB: 3300, ramMiB: 0 }, running, gpu: gpu(7000), ownUsedMiB: 4000 }))
      .toMatch(/only 3240 MiB is free/);
  });

  it('checks RAM for CPU servers and ignores VRAM for them', () => {
    expect(checkFit({ ...base, candidate: { id: 'c', device: 'cpu', vramMiB: 0, ramMiB: 60_000 }, running: [{ id: 'd', device: 'cpu', vramMiB: 0, ramMiB: 50_000 }], gpu: null }))
      .toMatch(/c needs 60000 MiB RAM; with 50000 MiB already planned that exceeds the RAM budget of 100000 MiB/);
  });
});

describe('buildLaunch', () => {
  const plan = ServerPlan.parse({
    id: 'gpu-q', model: 'q', modelFile: 'q.gguf', device: 'gpu', roles: ['polecat'], slots: 2, ctxPerSlot: 3072, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0',
    flashAttention: true, gpuLayers: 99, threads: 4, cpuCores: [0, 1, 2, 3], vramMiB: 5000, ramMiB: 300,
    args: ['-m', 'models/q.gguf', '--alias', 'q', '-c', '6144', '--parallel', '2', '-ngl', '99', '--port', '9999', '--api-key=leak', '--metrics'],
    commandLine: 'x', importance: 0, tokensPerSecond: 90, tokensPerSecondSource: 'catalog',
  });
  const o = { binary: '/bin/llama-server', modelsDir: '/m', host: '127.0.0.1', port: 8123, apiKey: 'k3y', taskset: '/usr/bin/taskset', cpuOnly: false, logVerbosity: 4 };

  it('pins cores with taskset, resolves the model, and owns host, port and key', () => {
    const l = buildLaunch(plan, o);
    expect(l.file).toBe('/usr/bin/taskset');
    expect(l.args).toEqual([
      '-c', '0-3', '/bin/llama-server', '-m', '/m/q.gguf', '--alias', 'q', '-c', '6144', '--parallel', '2', '-ngl', '99', '--metrics',
      '-lv', '4', '--host', '127.0.0.1', '--port', '8123', '--api-key', 'k3y',
    ]);
    expect(describeLaunch(l)).not.toContain('k3y');
    expect(describeLaunch(l)).toContain('--api-key ***');
  });

  it('forces -ngl 0 when there is no GPU and runs the binary directly without taskset', () => {
    const l = buildLaunch(plan, { ...o, cpuOnly: true, taskset: null });
    expect(l.file).toBe('/bin/llama-server');
    expect(l.args.join(' ')).toContain('-ngl 0');
    expect(l.args.join(' ')).not.toContain('-ngl 99');
  });
});

describe('nvidia-smi parsing and pressure', () => {
  it('parses the csv,noheader,nounits query and compute apps', () => {
    expect(parseGpuQuery('2345, 10240, 87.12, 41\n')).toEqual({ usedMiB: 2345, totalMiB: 10240, powerW: 87.12, utilizationPct: 41 });
    expect(parseGpuQuery('2345, 10240, [N/A], [N/A]')).toEqual({ usedMiB: 2345, totalMiB: 10240, powerW: null, utilizationPct: null });
    expect(parseGpuQuery('')).toBeNull();
    expect(parseComputeApps('111, 3000\n222, 512\n')).toEqual([{ pid: 111, usedMiB: 3000 }, { pid: 222, usedMiB: 512 }]);
  });

  it('subtracts our own servers and grades the desktop growth', () => {
    const vram = { pollMs: 1, pauseGrowthMiB: 256, stopGrowthMiB: 1024 };
    const reading = { usedMiB: 6000, totalMiB: 10240, powerW: null, utilizationPct: null };
    const apps = [{ pid: 1, usedMiB: 4000 }, { pid: 99, usedMiB: 300 }];
    expect(assessPressure({ reading, apps, ownPids: new Set([1]), desktopReserveMiB: 1700, policy: vram })).toMatchObject({ desktopMiB: 2000, ownMiB: 4000, level: 'pause' });
    expect(assessPressure({ reading, apps, ownPids: new Set([1]), desktopReserveMiB: 1800, policy: vram }).level).toBe('ok');
    expect(assessPressure({ reading: { ...reading, usedMiB: 7000 }, apps, ownPids: new Set([1]), desktopReserveMiB: 1700, policy: vram }).level).toBe('stop');
  });
});
