// Cores re-assigned when a server stops for good: the others (running or starting later) take them, never more than exist.
import { describe, expect, it } from 'vitest';
import { planFleet } from '../../../src/fleet/planner.js';
import { renderPlan } from '../../../src/fleet/render.js';
import { serverInWave } from '../../../src/fleet/wave-servers.js';
import { usableCores } from '../../../src/fleet/hardware.js';
import type { FleetConfig } from '../../../src/fleet/config.js';
import type { FleetPlan } from '../../../src/fleet/plan-schema.js';
import { bead, defaultConfig } from './helpers.js';

const assignments = (p: FleetPlan) => p.waves.flatMap((w) => w.assignments);
const end = (a: { startSeconds?: number; estSeconds: number }) => a.startSeconds! + a.estSeconds;

/** In every phase: no CPU pinned by two servers, only usable (never the desktop's reserved) cores, each server's threads = its cores. */
function checkCores(plan: FleetPlan, cfg: FleetConfig): void {
  const usable = new Map<number, string>();
  for (const c of usableCores(cfg.hardware)) for (const l of c.logical) usable.set(l, `${c.cls}${c.index}`);
  for (const w of plan.waves) {
    expect(w.cores?.map((c) => c.server).sort()).toEqual([...w.servers].sort());
    const cpus = w.cores!.flatMap((c) => c.cpuCores);
    expect(new Set(cpus).size, `wave ${w.index} pins a CPU twice`).toBe(cpus.length);
    for (const l of cpus) expect(usable.has(l), `wave ${w.index} uses CPU ${l}, reserved or missing`).toBe(true);
    for (const c of w.cores!) expect(c.threads).toBe(new Set(c.cpuCores.map((l) => usable.get(l))).size);
  }
}

describe('cores re-assigned when a server stops', () => {
  it('two CPU groups on the P-cores: when one finishes its last bead, the other restarts with its cores and finishes sooner', () => {
    const cfg = defaultConfig({
      switcher: {
        cpuAgents: { refinery: { coreClass: 'p', cores: 2, minCores: 1 }, librarian: { coreClass: 'p', cores: 6, minCores: 1 } },
        outputTokens: { refinery: 100, librarian: 1000 },
      },
    });
    const beads = [bead('ab-r1', { role: 'refinery' }), ...[1, 2, 3, 4, 5, 6].map((i) => bead(`ab-d${i}`, { role: 'librarian' }))];
    const plan = planFleet(beads, cfg);
    checkCores(plan, cfg);
    const lib = plan.servers.find((s) => s.roles.includes('librarian'))!;
    const ref = plan.servers.find((s) => s.roles.includes('refinery'))!;
    // Launch: the reviewer holds P-cores 0-1, the librarian the other four usable ones (12-15 stay the human's).
    expect(ref.cpuCores).toEqual([0, 1, 2, 3]);
    expect(lib.cpuCores).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(lib.threads).toBe(4);
    const a = assignments(plan);
    const review = a.find((x) => x.beadId === 'ab-r1')!;
    const docs = a.filter((x) => x.role === 'librarian').sort((x, y) => x.startSeconds! - y.startSeconds!);
    const first = docs[0]!;
    expect(first.threads).toBe(4);
    // Beads that start after the reviewer's last bead ends run with all six usable P-cores, and faster.
    const later = docs.filter((d) => d.startSeconds! >= end(review));
    expect(later.length).toBeGreaterThan(0);
    for (const d of later) {
      expect(d.threads).toBe(6);
      expect(d.estSeconds).toBeLessThan(first.estSeconds * 0.75);
    }
    // With the launch cores for the whole plan the six beads would take six times the first one.
    expect(Math.max(...docs.map(end))).toBeLessThan(first.startSeconds! + 6 * first.estSeconds - 1);
    expect(plan.waves.some((w) => w.cores!.some((c) => c.server === lib.id && c.threads === 6))).toBe(true);
    // The plan says so.
    expect(renderPlan(plan, cfg.hardware, 'test')).toContain(`cores re-assigned: ${lib.id} now 6 threads on CPUs 0-11 (was 4 on 4-11)`);
  });

  it('the CPU reviewer gets the P-cores the MoE coder held once its last bead is done', () => {
    const cfg = defaultConfig({ switcher: { cpuAgents: { refinery: { coreClass: 'p', cores: 4, minCores: 2 }, librarian: { coreClass: 'e', cores: 4, minCores: 1 } } } });
    const beads = [bead('ab-long', { tokenEstimate: 20000 }), ...[1, 2, 3].map((i) => bead(`ab-r${i}`, { role: 'refinery' }))];
    const plan = planFleet(beads, cfg);
    checkCores(plan, cfg);
    const moe = plan.servers.find((s) => s.model === 'Qwen3-Coder-30B-A3B-Instruct')!;
    const ref = plan.servers.find((s) => s.roles.includes('refinery'))!;
    // The MoE feeds its experts from the top P-cores; the reviewer starts beside it on the two left.
    expect(moe.cpuCores).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(ref.threads).toBe(2);
    expect(ref.commandLine).toMatch(/^taskset -c 0-3 .*--threads 2 /);
    const a = assignments(plan);
    const coderEnd = end(a.find((x) => x.beadId === 'ab-long')!);
    const reviews = a.filter((x) => x.role === 'refinery').sort((x, y) => x.startSeconds! - y.startSeconds!);
    expect(reviews[0]!.threads).toBe(2);
    expect(reviews[0]!.startSeconds).toBeLessThan(coderEnd);
    for (const r of reviews.slice(1)) {
      expect(r.startSeconds).toBeGreaterThan(coderEnd);
      expect(r.threads).toBe(4);
      // Speed follows the thread count: twice the threads, half the time.
      expect(r.estSeconds).toBeCloseTo(reviews[0]!.estSeconds / 2, 0);
    }
  });

  it('a server that has beads left keeps its home cores: the GPU coder is never starved by a CPU group', () => {
    const cfg = defaultConfig();
    // The librarian could use the 3B's E-core while the 3B waits for its dependency; it must not take it.
    const beads = [
      bead('ab-d1', { role: 'librarian' }),
      bead('ab-d2', { role: 'librarian' }),
      bead('ab-w1', { tokenEstimate: 3000, dependencies: [{ id: 'ab-d1', kind: 'blocks' }] }),
    ];
    const plan = planFleet(beads, cfg);
    checkCores(plan, cfg);
    const lib = plan.servers.find((s) => s.roles.includes('librarian'))!;
    const w1 = assignments(plan).find((x) => x.beadId === 'ab-w1')!;
    const d1 = assignments(plan).find((x) => x.beadId === 'ab-d1')!;
    // The coder starts as soon as its blocker ends (plus its model load), not after the librarian's second bead.
    const coder = plan.servers.find((s) => s.id === w1.target)!;
    expect(w1.startSeconds).toBeLessThan(end(d1) + 5);
    expect(coder.cpuCores).toEqual([19]);
    expect(lib.cpuCores).toEqual([16, 17, 18]);
  });
});

describe('gth runtime up --wave N', () => {
  it('starts a server with the threads and CPUs the schedule gave it in that wave', async () => {
    const { selectServers } = await import('../../../src/cli/commands/runtime.js');
    const cfg = defaultConfig({ switcher: { cpuAgents: { refinery: { coreClass: 'p', cores: 4, minCores: 2 }, librarian: { coreClass: 'e', cores: 4, minCores: 1 } } } });
    const plan = planFleet([bead('ab-long', { tokenEstimate: 20000 }), ...[1, 2, 3].map((i) => bead(`ab-r${i}`, { role: 'refinery' }))], cfg);
    const ref = plan.servers.find((s) => s.roles.includes('refinery'))!;
    expect(selectServers(plan, 0, undefined).find((s) => s.id === ref.id)).toEqual(ref);
    const grown = plan.waves.find((w) => w.cores!.some((c) => c.server === ref.id && c.threads === 4))!;
    const s = selectServers(plan, grown.index, undefined).find((x) => x.id === ref.id)!;
    expect(s.threads).toBe(4);
    expect(s.cpuCores).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(s.args.join(' ')).toContain('--threads 4 --threads-batch 4');
    expect(s.commandLine).toMatch(/^taskset -c 0-7 llama-server .*--threads 4 /);
    // Twice the cores, twice the (derived) speed: the wave's server says the speed it will really run at.
    expect(ref.tokensPerSecondSource).toBe('derived');
    // (each figure is rounded to 0.1 tok/s)
    expect(Math.abs(s.tokensPerSecond - 2 * ref.tokensPerSecond)).toBeLessThan(0.11);
    expect(Math.abs(s.promptTokensPerSecond! - 2 * ref.promptTokensPerSecond!)).toBeLessThan(0.11);
    expect(s.tokensPerSecond).toBeLessThanOrEqual(ref.tokensPerSecondBound!);
    // The plan's beads after the re-pin take the time that speed gives, and the plan prints it.
    expect(renderPlan(plan, cfg.hardware, 'test')).toContain(`freed by a server that stopped; decode ${s.tokensPerSecond} tok/s per slot (was ${ref.tokensPerSecond})`);
  });
});

describe('a measured CPU speed after a re-pin', () => {
  const cfg = defaultConfig({ switcher: { cpuAgents: { refinery: { coreClass: 'p', cores: 4, minCores: 2 }, librarian: { coreClass: 'e', cores: 4, minCores: 1 } } } });
  const beads = [bead('ab-long', { tokenEstimate: 20000 }), ...[1, 2, 3].map((i) => bead(`ab-r${i}`, { role: 'refinery' }))];
  const reviewerModel = (): string => planFleet(beads, cfg).servers.find((s) => s.roles.includes('refinery'))!.model;

  it('measured at a known thread count (gth calibrate): scaled to the threads of each wave, and the beads take that long', () => {
    const model = reviewerModel();
    // Measured at 4 threads, the count the reviewer wants: it launches on 2 (half the speed), then gets 4.
    const plan = planFleet(beads, cfg, { measured: { [model]: { gen: 3, prompt: 40, threads: 4 } } });
    const ref = plan.servers.find((s) => s.roles.includes('refinery'))!;
    expect(ref.tokensPerSecondSource).toBe('measured');
    expect(ref.threads).toBe(2);
    expect(ref.tokensPerSecond).toBe(1.5);
    expect(ref.promptTokensPerSecond).toBe(20);
    const grown = plan.waves.find((w) => w.cores!.some((c) => c.server === ref.id && c.threads === 4))!;
    expect(serverInWave(ref, grown)).toMatchObject({ threads: 4, tokensPerSecond: 3, promptTokensPerSecond: 40 });
    const reviews = assignments(plan).filter((x) => x.role === 'refinery').sort((x, y) => x.startSeconds! - y.startSeconds!);
    expect(reviews[0]!.threads).toBe(2);
    for (const r of reviews.slice(1)) {
      expect(r.threads).toBe(4);
      expect(r.estSeconds).toBeCloseTo(reviews[0]!.estSeconds / 2, 0);
    }
  });

  it('measured at an unknown thread count (the runtime): used as is, never scaled, and the plan says so', () => {
    const model = reviewerModel();
    const plan = planFleet(beads, cfg, { measured: { [model]: { gen: 3, prompt: 40 } } });
    const ref = plan.servers.find((s) => s.roles.includes('refinery'))!;
    expect(ref.tokensPerSecond).toBe(3);
    for (const w of plan.waves) expect(serverInWave(ref, w).tokensPerSecond).toBe(3);
    expect(plan.warnings.join('\n')).toContain(`${model}: decode 3 tok/s was measured at an unknown thread count`);
  });
});
