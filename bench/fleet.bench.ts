// Benchmark: planning 10,000 beads in process (token estimates, switcher, levels, schedule), and as whole processes
// `gth plan` over 10,000 bead files (target 300 ms) and `gth --help` (target 250 ms), beside node's own start-up.
import { performance } from 'node:perf_hooks';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import type { BenchResult } from './run.js';
import { type ProcessTime, timeNode } from './whole-process.js';
import { Bead, type Role } from '../src/beads/schema.js';
import { BeadStore } from '../src/beads/store.js';
import { loadFleetConfig } from '../src/fleet/config.js';
import { planFleet } from '../src/fleet/planner.js';

const AT = '2026-01-29T09:00:00Z';
const ROLES: Role[] = ['polecat', 'polecat', 'polecat', 'polecat', 'polecat', 'refinery', 'librarian'];

/** Deterministic pseudo-random numbers so every run plans the same convoy. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function syntheticBeads(n: number): Bead[] {
  const r = rng(7);
  const beads: Bead[] = [];
  for (let i = 0; i < n; i++) {
    const role = ROLES[Math.floor(r() * ROLES.length)]!;
    const deps = i > 20 && r() < 0.6 ? [{ id: `bn-${Math.floor(r() * i)}`, kind: 'blocks' as const }] : [];
    beads.push(
      Bead.parse({
        id: `bn-${i}`,
        title: `Bead ${i}: implement ${role} task for scene ${i % 97}`,
        description: `Update scripts/feature_${i % 311}.gd so the rhythm target ${i} reacts to beat events; keep signals typed and add GUT coverage. `.repeat(1 + (i % 4)),
        acceptance: ['GUT tests pass', `no warnings in feature_${i % 311}.gd`],
        files: [`scripts/feature_${i % 311}.gd`],
        role,
        priority: i % 5,
        tokenEstimate: r() < 0.15 ? 6000 + Math.floor(r() * 30000) : null,
        dependencies: deps,
        createdAt: AT,
        updatedAt: AT,
      }),
    );
  }
  return beads;
}

/** One CPU reviewer bead among many GPU beads: under barrier waves the review gated every GPU batch. */
export function mixedQueue(gpuBeads: number): Bead[] {
  const mk = (id: string, role: Role, tokenEstimate: number): Bead =>
    Bead.parse({ id, title: `mixed ${id}`, role, tokenEstimate, createdAt: AT, updatedAt: AT });
  return [mk('mx-review', 'refinery', 4000), ...Array.from({ length: gpuBeads }, (_, i) => mk(`mx-${i}`, 'polecat', 3000 + (i % 5) * 500))];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `gth --help` and `gth plan` over 10,000 bead files in a git town, timed as the user runs them (dist/ built). */
async function wholeProcess(): Promise<BenchResult[]> {
  const built = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(built)) {
    process.stderr.write('bench: dist/ missing; run `npm run build` to time `gth plan` and `gth --help` as whole processes\n');
    return [];
  }
  const town = mkdtempSync(join(tmpdir(), 'gth-bench-plan-'));
  try {
    execFileSync('git', ['init', '-q', town]);
    await new BeadStore({ dir: join(town, 'beads'), prefix: 'bn', env: {} }).createMany(
      syntheticBeads(10_000).map((b) => ({ id: b.id, title: b.title, description: b.description, acceptance: b.acceptance, files: b.files, role: b.role, priority: b.priority, tokenEstimate: b.tokenEstimate, dependencies: b.dependencies })),
    );
    // Defaults only: no gastown.yml, calibration or measured speeds from the machine running the bench.
    const env = { GTH_CONFIG: '', GTH_STATE_DIR: join(town, 'state') };
    // Wall clocks are of bare runs, as a user starts them; CPU times come from other runs, with a preload.
    const node = timeNode(['-e', '0'], 5);
    const nodeWall = timeNode(['-e', '0'], 5, { cpu: false }).wallMs;
    const help = timeNode([built, '--help'], 5);
    const helpWall = timeNode([built, '--help'], 5, { cpu: false }).wallMs;
    // The first run reads every file and counts every bead's tokens; it leaves the bead index and token counts
    // in the town's .git folder, which the next runs (a re-plan of the same queue) use.
    // Once the files are out of the racy window and indexed, an unchanged town's re-plan is the kept plan
    // (src/fleet/plan-answer.ts), checked against every input.
    const plan = timeNode([built, 'plan', '--beads', 'beads'], 6, { cwd: town, env });
    const replanWall = timeNode([built, 'plan', '--beads', 'beads'], 5, { cwd: town, env, cpu: false }).wallMs;
    // After an edit the plan is made: one bead read, the rest from the index's summaries and the token counts. A
    // priority change (as most lifecycle moves: status, assignee) keeps the bead's text, so its count is kept too;
    // a new title must be counted, which loads the tokenizer.
    const store = new BeadStore({ dir: join(town, 'beads'), prefix: 'bn', env: {} });
    const afterEdit = async (edit: (b: Bead, i: number) => void): Promise<ProcessTime[]> => {
      const times: ProcessTime[] = [];
      for (let i = 0; i < 3; i++) {
        await store.update('bn-42', (b) => edit(b, i));
        times.push(timeNode([built, 'plan', '--beads', 'beads'], 1, { cwd: town, env, cpu: false }));
      }
      return times;
    };
    const moved = await afterEdit((b, i) => {
      b.priority = i % 5;
    });
    const edited = await afterEdit((b, i) => {
      b.title = `edited ${i}`;
    });
    const beside = `node start-up alone: ${nodeWall.toFixed(0)} ms wall, ${node.cpuMs.toFixed(0)} ms CPU`;
    return [
      { name: `gth --help, whole process, wall clock best of 5 (${beside})`, value: helpWall, unit: 'ms', target: 250 },
      { name: 'gth --help, whole process, CPU time (user+sys), least of 5', value: help.cpuMs, unit: 'ms' },
      { name: `gth plan on 10,000 bead files, whole process, wall clock best of 5 re-plans of the unchanged town (the kept plan; ${beside})`, value: replanWall, unit: 'ms', target: 300 },
      { name: 'gth plan on 10,000 bead files, whole process, CPU time (user+sys), least of 5 re-plans of the unchanged town', value: Math.min(...plan.cpus.slice(1)), unit: 'ms' },
      { name: 'gth plan on 10,000 bead files just after one bead\'s priority changed (planned), whole process, wall clock best of 3', value: Math.min(...moved.map((t) => t.wallMs)), unit: 'ms' },
      { name: 'gth plan on 10,000 bead files just after one bead\'s title changed (planned, its tokens counted), whole process, wall clock best of 3', value: Math.min(...edited.map((t) => t.wallMs)), unit: 'ms' },
      { name: 'gth plan on 10,000 bead files, first run (fills the bead index and token counts): wall clock', value: plan.walls[0]!, unit: 'ms' },
      { name: 'gth plan on 10,000 bead files, first run: CPU time (user+sys)', value: plan.cpus[0]!, unit: 'ms' },
    ];
  } finally {
    rmSync(town, { recursive: true, force: true });
  }
}

export default async function (): Promise<BenchResult[]> {
  const cfg = loadFleetConfig({ file: null, data: {} });
  const beads = syntheticBeads(10_000);
  planFleet(beads.slice(0, 200), cfg); // warm up the tokenizer and JIT
  const times: number[] = [];
  const cpu: number[] = [];
  let waves = 0;
  for (let run = 0; run < 5; run++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const plan = planFleet(beads, cfg);
    const used = process.cpuUsage(c);
    times.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
    waves = plan.waves.length;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const cpuMedian = [...cpu].sort((a, b) => a - b)[2]!;
  // Planning is single-threaded, so its CPU time is what it costs; on a shared 2-core machine the wall
  // clock mostly measures other processes, so it is reported beside it without the target.
  const mixed = planFleet(mixedQueue(400), cfg).schedule!;
  const ratio = mixed.makespanSeconds / mixed.lowerBoundSeconds;
  return [
    // Not a timing: the schedule's quality. Target: makespan within 10% of the printed lower bound.
    { name: `mixed queue (1 CPU review + 400 GPU beads): makespan ${Math.round(mixed.makespanSeconds)} s / lower bound ${Math.round(mixed.lowerBoundSeconds)} s`, value: Math.round(ratio * 1000) / 1000, unit: 'x', target: 1.1 },
    { name: `plan 10,000 beads (${waves} waves): CPU time, median of 5`, value: cpuMedian, unit: 'ms', target: 1000 },
    { name: 'plan 10,000 beads: wall clock, best of 5', value: sorted[0]!, unit: 'ms' },
    { name: 'plan 10,000 beads: wall clock, median of 5', value: sorted[2]!, unit: 'ms' },
    ...(await wholeProcess()),
  ];
}
