import { describe, expect, it } from 'vitest';
import { planFleet } from '../../../src/fleet/planner.js';
import { concurrency, headline, PLAN_EXPLANATION, renderPlan, roughDuration } from '../../../src/fleet/render.js';
import { bead, defaultConfig } from './helpers.js';

describe('gth plan explains itself', () => {
  it('counts agents at once by the seats in use, never more than the servers\' slots', () => {
    const cfg = defaultConfig();
    const beads = Array.from({ length: 60 }, (_, i) => bead(`ab-m${i}`, { tokenEstimate: 3000 }));
    const plan = planFleet(beads, cfg);
    const gpuSlots = plan.servers.filter((s) => s.device === 'gpu').reduce((n, s) => n + s.slots, 0);
    const { gpu } = concurrency(plan);
    // 60 beads queue behind the slots: the headline must not claim 60 agents at once.
    expect(gpu).toBeGreaterThan(0);
    expect(gpu).toBeLessThanOrEqual(gpuSlots);
    expect(gpu).toBeLessThan(60);
    expect(headline(plan)).toContain(`${gpu} agents at once on the GPU`);
  });

  it('opens with how many agents run at once on the GPU and CPU and for how long', () => {
    const cfg = defaultConfig();
    const beads = [...Array.from({ length: 3 }, (_, i) => bead(`ab-g${i}`, { tokenEstimate: 3000 })), bead('ab-r1', { role: 'refinery' })];
    const plan = planFleet(beads, cfg);
    expect(headline(plan)).toBe(`3 agents at once on the GPU, 1 agent on the CPU: 4 beads in about ${roughDuration(plan.estWallSeconds)}.`);
    const text = renderPlan(plan, cfg.hardware, 'test');
    expect(text.split('\n')[0]).toBe(headline(plan));
    // Every server says where its speed came from, and the safety margin is stated.
    expect(text).toMatch(/decode [\d.]+ tok\/s per slot \(derived; bandwidth bound [\d.]+\)/);
    expect(text).toMatch(/256 MiB safety margin/);
  });

  it('says why a bead goes to the cloud, for the first few of a wave', () => {
    const cfg = defaultConfig();
    // 62k prompt tokens: past every local rule's band, so the switcher's cloud rule takes them.
    const beads = [bead('ab-g0', { tokenEstimate: 3000 }), ...Array.from({ length: 7 }, (_, i) => bead(`ab-c${i}`, { tokenEstimate: 62_000 }))];
    const plan = planFleet(beads, cfg);
    const text = renderPlan(plan, cfg.hardware, 'test');
    const lines = text.split('\n').filter((l) => l.includes('to the cloud:'));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^ {4}to the cloud: ab-c\d: too long for the local models; \d+ prompt tokens$/);
    expect(lines[5]).toBe('    to the cloud: 2 more (gth plan --json gives each bead\'s reason)');
    expect(text).not.toContain('to the cloud: ab-g0');
  });

  it('says how long in the one unit a person would: minutes, then hours, then days', () => {
    expect(roughDuration(20)).toBe('1 minute');
    expect(roughDuration(45 * 60)).toBe('45 minutes');
    expect(roughDuration(90 * 60)).toBe('90 minutes');
    expect(roughDuration(91 * 60)).toBe('2 hours');
    expect(roughDuration(30 * 3600)).toBe('30 hours');
    expect(roughDuration(30203 * 60)).toBe('21 days');
  });

  it('explains slot, schedule, KV cache, -ngl and --n-cpu-moe', () => {
    for (const word of ['slot:', 'schedule', 'KV cache:', '-ngl:', '--n-cpu-moe:']) expect(PLAN_EXPLANATION).toContain(word);
  });
});
