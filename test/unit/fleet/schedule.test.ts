import { describe, expect, it } from 'vitest';
import { planFleet } from '../../../src/fleet/planner.js';
import { mixedQueue } from '../../../bench/fleet.bench.js';
import { bead, defaultConfig } from './helpers.js';

const assignments = (p: ReturnType<typeof planFleet>) => p.waves.flatMap((w) => w.assignments);

describe('event-driven schedule', () => {
  it('a long CPU review does not gate the GPU beads (no barrier waves)', () => {
    const plan = planFleet(mixedQueue(40), defaultConfig());
    const a = assignments(plan);
    const review = a.find((x) => x.beadId === 'mx-review')!;
    const gpu = a.filter((x) => x.role === 'polecat');
    // Every GPU bead ends before the 14-minute-class review does: they ran beside it.
    expect(Math.max(...gpu.map((x) => x.startSeconds! + x.estSeconds))).toBeLessThan(review.startSeconds! + review.estSeconds);
    const s = plan.schedule!;
    expect(s.makespanSeconds).toBeLessThanOrEqual(s.lowerBoundSeconds * 1.1);
    expect(plan.estWallSeconds).toBe(s.makespanSeconds);
  });

  it('the mixed queue of the bench: makespan within 10% of the printed lower bound', () => {
    const s = planFleet(mixedQueue(400), defaultConfig()).schedule!;
    expect(s.lowerBoundSeconds).toBeGreaterThan(0);
    expect(s.makespanSeconds / s.lowerBoundSeconds).toBeLessThanOrEqual(1.1);
    for (const x of s.servers) expect(x.utilisation).toBeGreaterThan(0);
  });

  it('a bead starts only after the beads it depends on end', () => {
    const beads = [
      bead('ab-a', { tokenEstimate: 3000 }),
      bead('ab-b', { tokenEstimate: 3000, dependencies: [{ id: 'ab-a', kind: 'blocks' }] }),
      bead('ab-c', { role: 'refinery', dependencies: [{ id: 'ab-b', kind: 'blocks' }] }),
    ];
    const a = new Map(assignments(planFleet(beads, defaultConfig())).map((x) => [x.beadId, x]));
    const end = (id: string) => a.get(id)!.startSeconds! + a.get(id)!.estSeconds;
    expect(a.get('ab-b')!.startSeconds).toBeGreaterThanOrEqual(end('ab-a') - 0.1);
    expect(a.get('ab-c')!.startSeconds).toBeGreaterThanOrEqual(end('ab-b') - 0.1);
  });

  it('servers that cannot share VRAM take turns, each phase within the budget', () => {
    const cfg = defaultConfig();
    // The 7B and the MoE coder do not fit together in 10 GB.
    const plan = planFleet([bead('ab-m1', { tokenEstimate: 10000 }), bead('ab-m2', { tokenEstimate: 30000 })], cfg);
    const vram = new Map(plan.servers.map((s) => [s.id, s.vramMiB]));
    for (const w of plan.waves) {
      expect(w.servers.reduce((s, id) => s + vram.get(id)!, 0)).toBeLessThanOrEqual(10240 - 1700 - 256);
    }
    expect(plan.waves.length).toBeGreaterThanOrEqual(2);
  });
});
