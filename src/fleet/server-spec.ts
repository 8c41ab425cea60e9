// Turns a (model, device) demand into a fixed server spec: shape, memory, threads, pinned cores and speed.
import type { Role } from '../beads/schema.js';
import type { ModelEntry, Speed } from './catalog-schema.js';
import type { HardwareProfile, PhysicalCore } from './hardware.js';
import type { SwitcherConfig } from './switcher-schema.js';
import type { ServerEstimate, ServerShape } from './estimator.js';
import { resolveSpeed, type ResolvedSpeed, type SpeedSource } from './speed.js';

export interface ServerSpec {
  key: string;
  id: string;
  model: ModelEntry;
  device: 'gpu' | 'cpu';
  roles: Role[];
  shape: ServerShape;
  estimate: ServerEstimate;
  gpuLayers: number;
  /** Threads at the server's first start (= its pinned cores); the schedule may restart it with more. */
  threads: number;
  /** Home cores, fixed for the plan by assignCores; cores freed by servers that stopped for good come on top. */
  cores: PhysicalCore[];
  /** How many cores it wants, of which class, and its minimum. */
  corePlan: CorePlan;
  importance: number;
  speed: Speed;
  speedSource: SpeedSource;
  promptSpeedSource: 'measured' | 'catalog';
  /** Bandwidth bound of one sequence, tokens/s. */
  boundGen: number;
  /** Threads a measured speed was measured with; undefined when unknown (then it is never scaled). */
  measuredThreads?: number;
  loadSeconds: number;
}

/** A measured speed, with the thread count it was measured at when the source records it (gth calibrate does; the runtime does not). */
export type MeasuredSpeed = Speed & { threads?: number };
export type Measured = Record<string, MeasuredSpeed>;

const ROLE_IMPORTANCE: Record<Role, number> = { polecat: 0, refinery: 1, librarian: 2, crew: 3, mayor: 3 };

export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '');
}

export function importanceOf(roles: readonly Role[]): number {
  return Math.min(...roles.map((r) => ROLE_IMPORTANCE[r]));
}

export interface CorePlan {
  want: number;
  min: number;
  prefer: 'p' | 'e';
  onlyPreferred: boolean;
  fromTop: boolean;
}

/** Threads and core preference: CPU agents per their config, GPU servers only feed the GPU (more when experts run on the CPU). */
export function threadPlan(device: 'gpu' | 'cpu', roles: readonly Role[], nCpuMoe: number, s: SwitcherConfig): CorePlan {
  if (device === 'cpu') {
    const agent = roles.map((r) => s.cpuAgents[r]).find((a) => a !== undefined) ?? { coreClass: 'p' as const, cores: 2, minCores: 1 };
    return { want: agent.cores, min: agent.minCores, prefer: agent.coreClass, onlyPreferred: true, fromTop: false };
  }
  if (nCpuMoe > 0) return { want: s.moeServerThreads, min: 1, prefer: 'p', onlyPreferred: false, fromTop: true };
  return { want: s.gpuServerThreads, min: 1, prefer: 'e', onlyPreferred: false, fromTop: true };
}

/** Cores a server may be pinned to: only its class when its agent config says so. */
export const allowedFor =
  (plan: CorePlan) =>
  (c: PhysicalCore): boolean =>
    !plan.onlyPreferred || c.cls === plan.prefer;

/** Orders cores the way a server wants them: its class first, then lowest (or, for GPU feeders, highest) index. */
export function corePreference(plan: CorePlan): (a: PhysicalCore, b: PhysicalCore) => number {
  const rank = (c: PhysicalCore): number => (plan.fromTop ? -c.index : c.index);
  return (a, b) => Number(a.cls !== plan.prefer) - Number(b.cls !== plan.prefer) || rank(a) - rank(b);
}

/**
 * Home cores, fixed once for the whole plan, in importance order. A server takes only cores no
 * earlier server holds when at least half of what it wants (and its minimum) is free, so it can run beside
 * them; otherwise it takes its full count, sharing cores, and the schedule keeps the sharers apart.
 */
export function assignCores(specs: ServerSpec[], usable: readonly PhysicalCore[]): void {
  const taken = new Map<PhysicalCore, number>();
  for (const spec of [...specs].sort((a, b) => a.importance - b.importance || a.key.localeCompare(b.key))) {
    const plan = spec.corePlan;
    const prefer = corePreference(plan);
    const pool = usable.filter(allowedFor(plan)).sort((a, b) => (taken.get(a) ?? 0) - (taken.get(b) ?? 0) || prefer(a, b));
    const want = Math.min(plan.want, pool.length);
    const free = pool.filter((c) => !taken.has(c));
    const cores = free.length >= Math.max(plan.min, Math.ceil(want / 2)) ? free.slice(0, want) : pool.slice(0, want);
    for (const c of cores) taken.set(c, (taken.get(c) ?? 0) + 1);
    spec.cores = cores;
    // Never more threads than the physical cores the server is pinned to.
    spec.threads = Math.max(1, cores.length);
  }
}

/** Measured > derived (bandwidth) > catalog, for the server's shape (experts in RAM slow a MoE model down). */
export function speedFor(model: ModelEntry, shape: ServerShape, h: HardwareProfile, measured: Measured | undefined): ResolvedSpeed {
  return resolveSpeed(model, shape, h, measured?.[model.name]);
}

/**
 * The server's speed with `threads` threads: a CPU server's decode and prompt follow its cores up to the count
 * it wants (which is taken to saturate RAM bandwidth). Derived and catalog figures are for that count; a measured
 * one is scaled from the threads it was measured at, or not at all when those are unknown. Never above the bound.
 */
export function speedAt(spec: Pick<ServerSpec, 'device' | 'speed' | 'speedSource' | 'measuredThreads' | 'corePlan' | 'boundGen'>, threads: number): Speed {
  if (spec.device !== 'cpu') return spec.speed;
  const want = spec.corePlan.want;
  const at = spec.speedSource === 'measured' ? spec.measuredThreads : want;
  if (!at) return spec.speed;
  const f = Math.min(threads, want) / Math.min(at, want);
  if (f === 1) return spec.speed;
  return { gen: Math.min(spec.speed.gen * f, spec.boundGen), prompt: spec.speed.prompt * f };
}

export function loadSecondsFor(model: ModelEntry, h: HardwareProfile): number {
  return model.fileSizeMiB / h.diskMiBps;
}
