import { describe, expect, it } from 'vitest';
import { planFleet } from '../../../src/fleet/planner.js';
import { SEED_KV_MIB_PER_TOKEN } from '../../../src/fleet/estimator.js';
import { sampleConvoy } from '../../../src/fleet/sample-convoy.js';
import { FleetPlan } from '../../../src/fleet/plan-schema.js';
import { bead, defaultConfig } from './helpers.js';

const VRAM_BUDGET = 10240 - 1700;

describe('the seed scenario', () => {
  it('runs at least 4 concurrent ~6k-token polecats on the small coder in the VRAM where the seed fit 2', () => {
    const beads = ['ab-a1', 'ab-a2', 'ab-a3', 'ab-a4'].map((id) => bead(id, { tokenEstimate: 5800 }));
    const plan = planFleet(beads, defaultConfig());
    expect(plan.servers).toHaveLength(1);
    const s = plan.servers[0]!;
    expect(s.model).toBe('Qwen2.5-Coder-3B-Instruct');
    expect(s.slots).toBeGreaterThanOrEqual(4);
    expect(s.ctxPerSlot).toBeGreaterThanOrEqual(5800 + 2000);
    expect(s.args).toEqual(expect.arrayContaining(['--parallel', String(s.slots), '-ctk', 'q8_0', '-ctv', 'q4_0', '--flash-attn', 'auto', '--cache-ram', '2048']));
    expect(plan.waves).toHaveLength(1);
    expect(plan.waves[0]!.assignments.filter((a) => a.target === s.id)).toHaveLength(4);
    expect(s.vramMiB).toBeLessThanOrEqual(VRAM_BUDGET);
    // The seed's rule (0.11 MiB/token on top of ~3 GB per agent) only fits two such agents in this VRAM.
    const seedPerAgent = s.estimate!.weightsVramMiB + 6000 * SEED_KV_MIB_PER_TOKEN;
    expect(Math.floor(VRAM_BUDGET / seedPerAgent)).toBeLessThan(s.slots);
    expect(plan.headroom.vramMiB).toBeGreaterThanOrEqual(1700);
  });

  it('packs up to the slot limit into one server; the rest start as slots free, without a barrier', () => {
    const beads = Array.from({ length: 11 }, (_, i) => bead(`ab-b${i}`, { tokenEstimate: 5000 }));
    const plan = planFleet(beads, defaultConfig());
    expect(plan.servers[0]!.slots).toBe(8);
    // One server stays up the whole time: one phase, model loaded once.
    expect(plan.waves).toHaveLength(1);
    const a = plan.waves[0]!.assignments;
    const first = a.filter((x) => x.startSeconds === a[0]!.startSeconds);
    expect(first).toHaveLength(8);
    const later = a.filter((x) => x.startSeconds! > a[0]!.startSeconds!);
    expect(later).toHaveLength(3);
    // Each later bead starts exactly when an earlier one ends.
    const ends = new Set(first.map((x) => Math.round((x.startSeconds! + x.estSeconds) * 10)));
    for (const x of later) expect(ends.has(Math.round(x.startSeconds! * 10))).toBe(true);
  });
});

describe('waves follow dependencies and budgets', () => {
  it('plans the sample convoy: tests first, polecats next, review and docs last', () => {
    const plan = planFleet(sampleConvoy(), defaultConfig());
    FleetPlan.parse(plan);
    const waveOf = (id: string) => plan.waves.findIndex((w) => w.assignments.some((a) => a.beadId === id));
    expect(waveOf('ab-t001')).toBe(0);
    for (const p of ['ab-p001', 'ab-p002', 'ab-p003', 'ab-p004', 'ab-p005', 'ab-p006']) expect(waveOf(p)).toBeGreaterThan(waveOf('ab-t001'));
    expect(waveOf('ab-r001')).toBeGreaterThan(Math.max(waveOf('ab-p005'), waveOf('ab-p006')));
    expect(plan.estWallSeconds).toBeCloseTo(plan.waves.reduce((s, w) => s + w.estSeconds, 0), 0);
    const ids = plan.waves.flatMap((w) => w.assignments.map((a) => a.beadId)).sort();
    expect(ids).toEqual(sampleConvoy().map((b) => b.id).sort());
  });

  it('pins the Refinery to P-cores 0-5 with 6 threads and the Librarian to the E-cores', () => {
    const plan = planFleet(
      [bead('ab-r1', { role: 'refinery' }), bead('ab-d1', { role: 'librarian' })],
      defaultConfig(),
    );
    const ref = plan.servers.find((s) => s.roles.includes('refinery'))!;
    const lib = plan.servers.find((s) => s.roles.includes('librarian'))!;
    expect(ref.cpuCores).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(ref.threads).toBe(6);
    expect(ref.commandLine).toMatch(/^taskset -c 0-11 llama-server .*--threads 6 .*--device none/);
    expect(lib.cpuCores).toEqual([16, 17, 18, 19]);
    expect(lib.threads).toBe(4);
    // Both start together; the phase changes only when one of them stops.
    expect(plan.waves[0]!.servers.sort()).toEqual([ref.id, lib.id].sort());
    expect(plan.headroom.cores).toBe(2);
  });

  it('lets polecats and the Librarian run side by side on separate cores', () => {
    const plan = planFleet([bead('ab-w1', { tokenEstimate: 4000 }), bead('ab-w2', { tokenEstimate: 9000 }), bead('ab-d1', { role: 'librarian' })], defaultConfig());
    expect(plan.waves[0]!.servers).toHaveLength(3);
    expect(plan.waves[0]!.assignments).toHaveLength(3);
    const [small, mid, lib] = ['Qwen2.5-Coder-3B-Instruct', 'Qwen2.5-Coder-7B-Instruct', 'SmolLM2-1.7B-Instruct'].map((m) => plan.servers.find((s) => s.model === m)!);
    expect(small!.cpuCores).toEqual([19]);
    expect(mid!.cpuCores).toEqual([18]);
    expect(lib!.cpuCores).toEqual([16, 17]);
    expect(lib!.threads).toBe(2);
    // The derived speed assumes four E-cores feed the RAM bandwidth; two decode at half that.
    const four = planFleet([bead('ab-d1', { role: 'librarian' })], defaultConfig()).servers[0]!;
    expect(four.threads).toBe(4);
    expect(lib!.tokensPerSecondSource).toBe('derived');
    // (the plan rounds speeds to 0.1 tok/s)
    expect(Math.abs(lib!.tokensPerSecond - four.tokensPerSecond / 2)).toBeLessThan(0.06);
  });

  it('keeps MoE experts in RAM with --n-cpu-moe when the 30B coder must fit 10 GB', () => {
    const plan = planFleet([bead('ab-long', { tokenEstimate: 20000 })], defaultConfig());
    const s = plan.servers[0]!;
    expect(s.model).toBe('Qwen3-Coder-30B-A3B-Instruct');
    expect(s.nCpuMoe).toBeGreaterThan(0);
    expect(s.nCpuMoe).toBeLessThanOrEqual(48);
    expect(s.args.join(' ')).toContain(`--n-cpu-moe ${s.nCpuMoe}`);
    expect(s.vramMiB).toBeLessThanOrEqual(VRAM_BUDGET);
    expect(s.ramMiB).toBeGreaterThan(5000);
  });

  it('rejects dependency cycles naming the beads', () => {
    const a = bead('ab-c1', { dependencies: [{ id: 'ab-c2', kind: 'blocks' }] });
    const b = bead('ab-c2', { dependencies: [{ id: 'ab-c1', kind: 'blocks' }] });
    expect(() => planFleet([a, b], defaultConfig())).toThrow(/dependency cycle among beads: ab-c1, ab-c2/);
  });

  it('skips done and cancelled beads and warns about blockers outside the plan', () => {
    const plan = planFleet(
      [bead('ab-done', { status: 'done' }), bead('ab-x', { status: 'cancelled' }), bead('ab-w', { dependencies: [{ id: 'ab-gone', kind: 'blocks' }] })],
      defaultConfig(),
    );
    expect(plan.waves.flatMap((w) => w.assignments.map((a) => a.beadId))).toEqual(['ab-w']);
    expect(plan.warnings.join('\n')).toMatch(/ab-w waits on ab-gone, which does not exist/);
  });

  it('sends over-long beads and Mayor work to the cloud with no local server', () => {
    const plan = planFleet([bead('ab-huge', { tokenEstimate: 90000 }), bead('ab-m', { role: 'mayor' })], defaultConfig());
    expect(plan.servers).toHaveLength(0);
    expect(plan.waves[0]!.servers).toEqual([]);
    expect(plan.waves[0]!.assignments.map((a) => `${a.beadId}:${a.target}:${a.model}`).sort()).toEqual([
      'ab-huge:cloud:gemini-3-flash-preview',
      'ab-m:cloud:gemini-3-pro-preview',
    ]);
  });

  it('marks measured speeds and uses them for the time estimate', () => {
    const beads = [bead('ab-s1', { tokenEstimate: 3000 })];
    const catalogPlan = planFleet(beads, defaultConfig());
    const measured = planFleet(beads, defaultConfig(), { measured: { 'Qwen2.5-Coder-3B-Instruct': { gen: 50, prompt: 1500 } } });
    expect(catalogPlan.servers[0]!.tokensPerSecondSource).toBe('derived');
    expect(measured.servers[0]!.tokensPerSecondSource).toBe('measured');
    expect(measured.servers[0]!.tokensPerSecond).toBe(50);
    const a = (p: typeof measured) => p.waves[0]!.assignments[0]!.estSeconds;
    // Half the speed: twice the seconds (3000 prompt / 1500 + 2000 output / 50 = 42 s).
    expect(a(measured)).toBeCloseTo(42, 0);
    expect(a(catalogPlan)).toBeCloseTo(3000 / 3000 + 2000 / catalogPlan.servers[0]!.tokensPerSecond, 0);
  });
});

describe('a profile that fits no model', () => {
  it('says by how many MiB the model misses and falls back to the next switcher rule', () => {
    const cfg = defaultConfig({ hardware: { gpu: { vramMiB: 4600, desktopReserveMiB: 1700, safetyMarginMiB: 0 } } });
    const plan = planFleet([bead('ab-f1', { tokenEstimate: 10000 })], cfg);
    const message = plan.warnings.join('\n');
    const m = /Qwen2\.5-Coder-7B-Instruct on the GPU needs ([\d,]+) MiB of VRAM .* leaves 2,900 MiB .*misses by ([\d,]+) MiB/.exec(message);
    expect(m, message).not.toBeNull();
    const needs = Number(m![1]!.replace(/,/g, ''));
    expect(Number(m![2]!.replace(/,/g, ''))).toBe(needs - 2900);
    expect(message).toMatch(/Would fit on the GPU: .*Qwen2\.5-Coder-3B-Instruct \([\d,]+ MiB\)/);
    expect(message).toMatch(/next switcher rule, or the cloud/);
    // The next polecat rule is the MoE coder with experts in RAM.
    const a = plan.waves.flatMap((w) => w.assignments).find((x) => x.beadId === 'ab-f1')!;
    expect(a.model).toBe('Qwen3-Coder-30B-A3B-Instruct');
  });

  it('reports RAM misses for CPU agents the same way and sends the bead to the cloud', () => {
    const cfg = defaultConfig({ hardware: { ramMiB: 24000, ramReserveMiB: 8000 } });
    const plan = planFleet([bead('ab-r9', { role: 'refinery' })], cfg);
    expect(plan.warnings.join('\n')).toMatch(
      /DeepSeek-R1-Distill-Qwen-32B on the CPU needs ([\d,]+) MiB of RAM but the profile leaves 16,000 MiB .*misses by [\d,]+ MiB\. Would fit on the CPU: Qwen3-8B \([\d,]+ MiB\), SmolLM2-1\.7B-Instruct/,
    );
    const a = plan.waves.flatMap((w) => w.assignments)[0]!;
    expect(a.target).toBe('cloud');
    expect(a.reason).toMatch(/does not fit the CPU budget/);
  });

  it('says nothing fits when no catalog model does, and plans the cloud', () => {
    const cfg = defaultConfig({ hardware: { gpu: { vramMiB: 1800, desktopReserveMiB: 1700, safetyMarginMiB: 0 } } });
    const plan = planFleet([bead('ab-f2', { tokenEstimate: 3000 })], cfg);
    expect(plan.warnings.join('\n')).toMatch(/misses by [\d,]+ MiB\. No catalog model fits on the GPU/);
    expect(plan.servers).toHaveLength(0);
    expect(plan.waves[0]!.assignments[0]!.target).toBe('cloud');
  });
});
