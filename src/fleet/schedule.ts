// Event-driven schedule: each server takes the next ready bead as soon as a slot frees, within VRAM/RAM/cores at every moment. Pure.
import type { PhysicalCore } from './hardware.js';
import { allowedFor, corePreference, type ServerSpec } from './server-spec.js';
import type { WorkItem } from './waves.js';
import { Heap } from './heap.js';

export interface Budgets {
  vramMiB: number;
  ramMiB: number;
  /** Physical cores agents may use (the desktop's reserved cores are not in it): the only cores ever handed out. */
  cores: readonly PhysicalCore[];
}

export interface Scheduled {
  item: WorkItem;
  /** The item's position in the items scheduled (arrays by position, not maps keyed by object: see schedule). */
  index: number;
  /** Server spec key, or null for the cloud. */
  serverKey: string | null;
  start: number;
  end: number;
  /** Threads its server ran it with (cloud: 0). */
  threads: number;
}

/** A stretch of time during which the same servers are up (the runtime's "wave"). */
export interface Phase {
  start: number;
  end: number;
  servers: ServerSpec[];
  /** Each server's pinned cores during the phase (server key -> cores). */
  cores: Map<string, PhysicalCore[]>;
}

export interface ScheduleResult {
  scheduled: Scheduled[];
  phases: Phase[];
  makespan: number;
  /** Longest dependency chain of bead durations (model loads excluded). */
  criticalPath: number;
  /** Per server: its load time plus its bead-seconds over its slots (it cannot finish sooner). */
  workBound: Map<string, number>;
  lowerBound: number;
  /** Per server: busy slot-seconds / (slots x makespan). */
  utilisation: Map<string, number>;
  peak: { vramMiB: number; ramMiB: number; cores: number };
  /** Cores each server had when it first started (its launch command line). */
  firstCores: Map<string, PhysicalCore[]>;
}

/** Seconds a bead takes on a server running `threads` threads (null: the cloud). */
export type Duration = (item: WorkItem, server: ServerSpec | null, threads: number) => number;

const byPriority = (a: WorkItem, b: WorkItem): number => a.bead.priority - b.bead.priority || (a.bead.id < b.bead.id ? -1 : a.bead.id > b.bead.id ? 1 : 0);

/** Each item's place in byPriority order, so ready queues compare two numbers instead of two bead ids. */
function priorityRanks(items: readonly WorkItem[]): Int32Array {
  const rank = new Int32Array(items.length);
  const sorted = items.map((_, k) => k).sort((a, b) => byPriority(items[a]!, items[b]!));
  sorted.forEach((k, r) => (rank[k] = r));
  return rank;
}

interface Running {
  spec: ServerSpec;
  /** When the model is loaded and slots can start work. */
  readyAt: number;
  busy: number;
  /** Pinned cores: its home cores plus any spare ones it took when it (re)started. */
  cores: PhysicalCore[];
}

const threadsOf = (cores: readonly PhysicalCore[]): number => Math.max(1, cores.length);
const coreId = (c: PhysicalCore): string => `${c.cls}${c.index}`;

/**
 * Simulates the fleet: at every event (a bead ends) finished beads release their dependants, idle servers
 * with nothing ready stop when another server waits for their memory or cores, and servers with ready beads
 * start (if they fit beside the running ones) and fill their free slots, most important server first.
 * Cloud beads start as soon as they are ready.
 *
 * Cores: every server has home cores (assignCores), kept for it while it has beads left. When a server has
 * finished its last bead and stops, its home cores become spare; so are usable cores nobody calls home. A
 * server that has fewer cores than it wants takes spare ones when it starts, and a running one restarts with
 * them between beads when the time saved beats the restart (its load time): e.g. the CPU reviewer gets the
 * P-cores the MoE coder held. Cores are never shared by two running servers, and only `budgets.cores` are used.
 */
export function schedule(items: readonly WorkItem[], waitsOn: ReadonlyMap<string, readonly string[]>, specs: ReadonlyMap<string, ServerSpec>, budgets: Budgets, duration: Duration): ScheduleResult {
  const order = [...specs.values()].sort((a, b) => a.importance - b.importance || a.key.localeCompare(b.key));
  // Items by position: dependency counts, dependants and finish times live in arrays, not maps keyed by bead id
  // (over 10,000 beads the string-keyed maps were most of the schedule's time).
  const indexOf = new Map(items.map((i, k) => [i.bead.id, k]));
  const depsOf: number[][] = items.map((i) => {
    const deps: number[] = [];
    for (const d of waitsOn.get(i.bead.id) ?? []) {
      const k = indexOf.get(d);
      if (k !== undefined) deps.push(k);
    }
    return deps;
  });
  const remaining = new Int32Array(items.length);
  const dependants: number[][] = items.map(() => []);
  depsOf.forEach((deps, k) => {
    remaining[k] = deps.length;
    for (const d of deps) dependants[d]!.push(k);
  });
  const rank = priorityRanks(items);
  const ready = new Map<string | null, Heap<number>>();
  const pending = new Map<string | null, number>();
  const push = (k: number): void => {
    const key = items[k]!.serverKey;
    let q = ready.get(key);
    if (!q) ready.set(key, (q = new Heap<number>((a, b) => rank[a]! - rank[b]!)));
    q.push(k);
  };
  const hasReady = (key: string | null): boolean => (ready.get(key)?.size ?? 0) > 0;
  items.forEach((i, k) => {
    pending.set(i.serverKey, (pending.get(i.serverKey) ?? 0) + 1);
    if (remaining[k] === 0) push(k);
  });

  const running = new Map<string, Running>();
  const active = new Heap<Scheduled>((a, b) => a.end - b.end);
  const scheduled: Scheduled[] = [];
  const phases: Phase[] = [];
  const busySeconds = new Map<string, number>();
  let t = 0;
  let vram = 0;
  let ram = 0;
  const peak = { vramMiB: 0, ramMiB: 0, cores: 0 };
  // Cores by class and index, not object identity: callers may build the core list more than once.
  const coresInUse = new Set<string>();
  // How many servers with beads left call each core home; a core at 0 is spare.
  const homeOf = new Map<string, number>();
  for (const spec of specs.values()) for (const c of spec.cores) homeOf.set(coreId(c), (homeOf.get(coreId(c)) ?? 0) + 1);
  const retired = new Set<string>();
  const firstCores = new Map<string, PhysicalCore[]>();
  /** Home cores plus free spare cores of the server's class, up to what it wants. */
  const coresFor = (spec: ServerSpec, held: PhysicalCore[]): PhysicalCore[] => {
    const want = spec.corePlan.want;
    if (held.length >= want) return held;
    const mine = new Set(held.map(coreId));
    const spare = budgets.cores
      .filter((c) => !mine.has(coreId(c)) && !coresInUse.has(coreId(c)) && !homeOf.get(coreId(c)) && allowedFor(spec.corePlan)(c))
      .sort(corePreference(spec.corePlan));
    return spare.length ? [...held, ...spare.slice(0, want - held.length)] : held;
  };
  const take = (cores: readonly PhysicalCore[]): void => {
    cores.forEach((c) => coresInUse.add(coreId(c)));
    peak.cores = Math.max(peak.cores, coresInUse.size);
  };
  // Set when a server starts, stops or changes cores: only then can a new phase begin.
  let changed = true;
  const phaseMark = (): void => {
    if (!changed) return;
    changed = false;
    const servers = [...running.values()].map((r) => r.spec).sort((a, b) => a.importance - b.importance || a.key.localeCompare(b.key));
    const last = phases[phases.length - 1];
    const same = (s: ServerSpec, k: number): boolean => s === servers[k] && last!.cores.get(s.key) === running.get(s.key)!.cores;
    if (last && last.servers.length === servers.length && last.servers.every(same)) return;
    if (last) last.end = t;
    if (last && last.end === last.start) phases.pop();
    phases.push({ start: t, end: t, servers, cores: new Map(servers.map((s) => [s.key, running.get(s.key)!.cores])) });
  };
  const fits = (spec: ServerSpec): boolean =>
    vram + spec.estimate.vramMiB <= budgets.vramMiB && ram + spec.estimate.ramMiB <= budgets.ramMiB && !spec.cores.some((c) => coresInUse.has(coreId(c)));
  const stop = (key: string): void => {
    const r = running.get(key)!;
    running.delete(key);
    changed = true;
    vram -= r.spec.estimate.vramMiB;
    ram -= r.spec.estimate.ramMiB;
    r.cores.forEach((c) => coresInUse.delete(coreId(c)));
    if ((pending.get(key) ?? 0) === 0 && !retired.has(key)) {
      // Its last bead is done: its home cores are spare from now on.
      retired.add(key);
      r.spec.cores.forEach((c) => homeOf.set(coreId(c), homeOf.get(coreId(c))! - 1));
    }
  };
  const begin = (index: number, spec: ServerSpec | null, at: number, threads: number): void => {
    const item = items[index]!;
    const d = duration(item, spec, threads);
    const s: Scheduled = { item, index, serverKey: spec?.key ?? null, start: at, end: at + d, threads: spec ? threads : 0 };
    active.push(s);
    scheduled.push(s);
    if (spec) busySeconds.set(spec.key, (busySeconds.get(spec.key) ?? 0) + d);
  };

  while (scheduled.length < items.length || active.size) {
    // Cloud beads: no capacity limit.
    const cloud = ready.get(null);
    while (cloud?.size) begin(cloud.pop()!, null, t, 0);
    // Servers with nothing left to do stop, freeing memory and cores for the others.
    for (const r of running.values()) if (r.busy === 0 && !hasReady(r.spec.key) && (pending.get(r.spec.key) ?? 0) === 0) stop(r.spec.key);
    for (const spec of order) {
      const q = ready.get(spec.key);
      if (!q?.size) continue;
      let r = running.get(spec.key);
      if (!r) {
        if (!fits(spec)) {
          // Idle servers with no ready work make way for a server that has some.
          for (const other of running.values()) if (other.busy === 0 && !hasReady(other.spec.key)) stop(other.spec.key);
          if (!fits(spec)) continue;
        }
        r = { spec, readyAt: t + spec.loadSeconds, busy: 0, cores: coresFor(spec, spec.cores) };
        running.set(spec.key, r);
        changed = true;
        if (!firstCores.has(spec.key)) firstCores.set(spec.key, r.cores);
        vram += spec.estimate.vramMiB;
        ram += spec.estimate.ramMiB;
        take(r.cores);
        peak.vramMiB = Math.max(peak.vramMiB, vram);
        peak.ramMiB = Math.max(peak.ramMiB, ram);
      } else if (r.busy === 0) {
        // Between beads: restart with spare cores when the next bead's time saved beats the reload.
        const more = coresFor(spec, r.cores);
        const next = items[q.peek()!]!;
        if (more !== r.cores && t + spec.loadSeconds + duration(next, spec, threadsOf(more)) < Math.max(t, r.readyAt) + duration(next, spec, threadsOf(r.cores))) {
          r.cores = more;
          changed = true;
          r.readyAt = t + spec.loadSeconds;
          take(more);
        }
      }
      while (r.busy < spec.shape.slots && q.size) {
        begin(q.pop()!, spec, Math.max(t, r.readyAt), threadsOf(r.cores));
        r.busy++;
      }
    }
    phaseMark();
    if (!active.size) {
      // Nothing runs and nothing could start: every spec fits alone (sizing checked), so this is a planner bug.
      if (scheduled.length < items.length) throw new Error('internal: schedule stalled with beads left');
      break;
    }
    // Advance to the next bead end.
    t = active.peek()!.end;
    while (active.size && active.peek()!.end <= t) {
      const done = active.pop()!;
      if (done.serverKey) running.get(done.serverKey)!.busy--;
      pending.set(done.serverKey, pending.get(done.serverKey)! - 1);
      for (const next of dependants[done.index]!) if (--remaining[next]! === 0) push(next);
    }
  }
  const makespan = t;
  for (const key of [...running.keys()]) stop(key);
  phaseMark();
  const last = phases[phases.length - 1];
  if (last && !last.servers.length && last.start >= makespan) phases.pop();
  if (phases.length) phases[phases.length - 1]!.end = makespan;

  // Lower bounds: critical path over dependencies, and per server its work spread over its slots.
  // A dependency not finished yet in start order counts 0, as before (finish starts at 0 for every item).
  const finish = new Float64Array(items.length);
  let criticalPath = 0;
  for (const s of [...scheduled].sort((a, b) => a.start - b.start)) {
    const k = s.index;
    let f = 0;
    for (const d of depsOf[k]!) f = Math.max(f, finish[d]!);
    f += s.end - s.start;
    finish[k] = f;
    criticalPath = Math.max(criticalPath, f);
  }
  const workBound = new Map<string, number>();
  const utilisation = new Map<string, number>();
  for (const spec of specs.values()) {
    const busy = busySeconds.get(spec.key) ?? 0;
    if (!busy) continue;
    workBound.set(spec.key, spec.loadSeconds + busy / spec.shape.slots);
    utilisation.set(spec.key, makespan > 0 ? busy / (spec.shape.slots * makespan) : 0);
  }
  const lowerBound = Math.max(criticalPath, ...workBound.values());
  return { scheduled, phases, makespan, criticalPath, workBound, lowerBound, utilisation, peak, firstCores };
}
