import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../../src/fleet/default-catalog.js';
import { DEFAULT_HARDWARE } from '../../../src/fleet/hardware.js';
import { bandwidthBound, bytesPerToken, derivedGen, resolveSpeed } from '../../../src/fleet/speed.js';
import { MiB } from '../../../src/fleet/estimator.js';
import { planFleet } from '../../../src/fleet/planner.js';
import { bead, defaultConfig } from './helpers.js';

const model = (name: string) => DEFAULT_CATALOG.find((m) => m.name === name)!;
const h = DEFAULT_HARDWARE;

describe('decode speed derived from memory bandwidth', () => {
  it('32B reviewer on DDR5-4800 dual channel: ~77 GB/s / 19.9 GB = 3.9 tok/s bound, x 0.73 derived (the seed said 4)', () => {
    const m = model('DeepSeek-R1-Distill-Qwen-32B');
    const bound = bandwidthBound(m, 'cpu', 0, h);
    expect(bound).toBeGreaterThan(3.6);
    expect(bound).toBeLessThan(4.0);
    expect(derivedGen(m, 'cpu', 0, h)).toBeCloseTo(bound * 0.73, 5);
    expect(resolveSpeed(m, { device: 'cpu', nCpuMoe: 0 }, h).speed.gen).toBeLessThan(4);
  });

  it('3B coder on an RTX 3080: 760 GB/s / ~1.9 GB = ~390 tok/s bound; derived is ~0.73 of it, far above the seed\'s 100', () => {
    const m = model('Qwen2.5-Coder-3B-Instruct');
    const b = bytesPerToken(m, 'gpu', 0);
    // Every layer plus the (tied) output head; the embedding lookup reads one row.
    expect((b.gpu + b.ram) / MiB).toBeGreaterThan(1700);
    expect((b.gpu + b.ram) / MiB).toBeLessThan(2100);
    const bound = bandwidthBound(m, 'gpu', 0, h);
    expect(bound).toBeGreaterThan(340);
    expect(bound).toBeLessThan(430);
    const r = resolveSpeed(m, { device: 'gpu', nCpuMoe: 0 }, h);
    expect(r.source).toBe('derived');
    expect(r.speed.gen).toBeCloseTo(bound * 0.73, 0);
  });

  it('MoE: only the active experts are read, and every layer of experts moved to RAM slows decode', () => {
    const m = model('Qwen3-Coder-30B-A3B-Instruct');
    const all = bytesPerToken(m, 'gpu', 0);
    // 8 of 128 experts: a 17.7 GB file reads ~1.5 GB per token.
    expect((all.gpu + all.ram) / MiB).toBeLessThan(m.fileSizeMiB / 8);
    expect(all.ram).toBe(0);
    const s31 = derivedGen(m, 'gpu', 31, h);
    const s46 = derivedGen(m, 'gpu', 46, h);
    expect(s46).toBeLessThan(s31);
    expect(bytesPerToken(m, 'gpu', 46).ram).toBeGreaterThan(bytesPerToken(m, 'gpu', 31).ram);
    expect(derivedGen(m, 'gpu', 0, h)).toBeGreaterThan(s31);
  });

  it('clips a measured or catalog figure above the bandwidth bound to the bound', () => {
    const m = model('DeepSeek-R1-Distill-Qwen-32B');
    const r = resolveSpeed(m, { device: 'cpu', nCpuMoe: 0 }, h, { gen: 50, prompt: 40 });
    expect(r.source).toBe('measured');
    expect(r.speed.gen).toBeLessThanOrEqual(r.boundGen);
  });
});

describe('the plan uses derived speeds', () => {
  it('never prints a speed above the bound, and says where each came from', () => {
    const plan = planFleet(
      [bead('ab-s1', { tokenEstimate: 3000 }), bead('ab-r1', { role: 'refinery' }), bead('ab-d1', { role: 'librarian' }), bead('ab-l1', { tokenEstimate: 30000 })],
      defaultConfig(),
    );
    expect(plan.servers.length).toBeGreaterThanOrEqual(3);
    for (const s of plan.servers) {
      expect(['measured', 'derived', 'catalog']).toContain(s.tokensPerSecondSource);
      expect(s.tokensPerSecond).toBeLessThanOrEqual(s.tokensPerSecondBound!);
    }
  });

  it('the MoE server\'s speed follows its --n-cpu-moe, and the sizer trades slots for experts on the GPU by throughput', () => {
    const beads = Array.from({ length: 6 }, (_, i) => bead(`ab-m${i}`, { tokenEstimate: 30000 }));
    const plan = planFleet(beads, defaultConfig());
    const moe = plan.servers.find((s) => s.model === 'Qwen3-Coder-30B-A3B-Instruct')!;
    expect(moe.nCpuMoe).toBeGreaterThan(0);
    const m = model('Qwen3-Coder-30B-A3B-Instruct');
    expect(moe.tokensPerSecond).toBeCloseTo(derivedGen(m, 'gpu', moe.nCpuMoe, h), 0);
    // A smaller GPU keeps more experts in RAM, so the same model decodes slower.
    const small = planFleet(beads, defaultConfig({ hardware: { gpu: { vramMiB: 8192 } } })).servers.find((s) => s.model === m.name)!;
    expect(small.nCpuMoe).toBeGreaterThan(moe.nCpuMoe);
    expect(small.tokensPerSecond).toBeLessThan(moe.tokensPerSecond);
  });
});
