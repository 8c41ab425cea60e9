// Event-driven schedule: each server takes the next ready bead as soon as a slot frees, within VRAM/RAM/cores at every moment. Pure.
import type { PhysicalCore } from './hardware.js';
import type { ServerSpec } from './server-spec.js';
import type { WorkItem } from './waves.js';
import { Heap } from './heap.js';

export interface Budgets {
  vramMiB: number;
  ramMiB: number;
}

export interface Scheduled {
  item: WorkItem;
  /** Server spec key, or null for the cloud. */
  serverKey: string | null;
  start: number;
  end: number;
}

/** A stretch of time during which the same servers are up (the runtime's "wave"). */
export interface Phase {
  start: number;
  end: number;
  servers: ServerSpec[];
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
}

export type Duration = (item: WorkItem, server: ServerSpec | null) => number;

const byPriority = (a: WorkItem, b: WorkItem): number => a.bead.priority - b.bead.priority || (a.bead.id < b.bead.id ? -1 : a.bead.id > b.bead.id ? 1 : 0);

interface Running {
  spec: ServerSpec;
  /** When the model is loaded and slots can start work. */
  readyAt: number;
  busy: number;
}

/**
 * Simulates the fleet: at every event (a bead ends) finished beads release their dependants, idle servers
 * with nothing ready stop when another server waits for their memory or cores, and servers with ready beads
 * start (if they fit beside the running ones) and fill their free slots, most important server first.
 * Cloud beads start as soon as they are ready.
 */
export function schedule(items: readonly WorkItem[], waitsOn: ReadonlyMap<string, readonly string[]>, specs: ReadonlyMap<string, ServerSpec>, budgets: Budgets, duration: Duration): ScheduleResult {
  const order = [...specs.values()].sort((a, b) => a.importance - b.importance || a.key.localeCompare(b.key));
  const byId = new Map(items.map((i) => [i.bead.id, i]));
  const remaining = new Map<string, number>();
  const dependants = new Map<string, string[]>();
  for (const i of items) {
    const deps = (waitsOn.get(i.bead.id) ?? []).filter((d) => byId.has(d));
    remaining.set(i.bead.id, deps.length);
    for (const d of deps) {
      const l = dependants.get(d);
      if (l) l.push(i.bead.id);
      else dependants.set(d, [i.bead.id]);
    }
  }
  const ready = new Map<string | null, Heap<WorkItem>>();
  const pending = new Map<string | null, number>();
  const push = (i: WorkItem): void => {
    let q = ready.get(i.serverKey);
    if (!q) ready.set(i.serverKey, (q = new Heap(byPriority)));
    q.push(i);
  };
  const hasReady = (key: string | null): boolean => (ready.get(key)?.size ?? 0) > 0;
  for (const i of items) {
    pending.set(i.serverKey, (pending.get(i.serverKey) ?? 0) + 1);
    if (remaining.get(i.bead.id) === 0) push(i);
  }

  const running = new Map<string, Running>();
  const active = new Heap<Scheduled>((a, b) => a.end - b.end);
  const scheduled: Scheduled[] = [];
  const phases: Phase[] = [];
  const busySeconds = new Map<string, number>();
  let t = 0;
  let vram = 0;
  let ram = 0;
  const peak = { vramMiB: 0, ramMiB: 0, cores: 0 };
  const coresInUse = new Set<PhysicalCore>();
  const phaseMark = (): void => {
    const servers = [...running.values()].map((r) => r.spec).sort((a, b) => a.importance - b.importance || a.key.localeCompare(b.key));
    const last = phases[phases.length - 1];
    if (last && last.servers.length === servers.length && last.servers.every((s, k) => s === servers[k])) return;
    if (last) last.end = t;
    if (last && last.end === last.start) phases.pop();
    phases.push({ start: t, end: t, servers });
  };
  const fits = (spec: ServerSpec): boolean =>
    vram + spec.estimate.vramMiB <= budgets.vramMiB && ram + spec.estimate.ramMiB <= budgets.ramMiB && !spec.cores.some((c) => coresInUse.has(c));
  const stop = (key: string): void => {
    const r = running.get(key)!;
    running.delete(key);
    vram -= r.spec.estimate.vramMiB;
    ram -= r.spec.estimate.ramMiB;
    r.spec.cores.forEach((c) => coresInUse.delete(c));
  };
  const begin = (item: WorkItem, spec: ServerSpec | null, at: number): void => {
    const d = duration(item, spec);
    const s: Scheduled = { item, serverKey: spec?.key ?? null, start: at, end: at + d };
    active.push(s);
    scheduled.push(s);
    if (spec) busySeconds.set(spec.key, (busySeconds.get(spec.key) ?? 0) + d);
  };

  while (scheduled.length < items.length || active.size) {
    // Cloud beads: no capacity limit.
    const cloud = ready.get(null);
    while (cloud?.size) begin(cloud.pop()!, null, t);
    // Servers with nothing left to do stop, freeing memory and cores for the others.
    for (const [key, r] of running) if (r.busy === 0 && !hasReady(key) && (pending.get(key) ?? 0) === 0) stop(key);
    for (const spec of order) {
      const q = ready.get(spec.key);
      if (!q?.size) continue;
      let r = running.get(spec.key);
      if (!r) {
        if (!fits(spec)) {
          // Idle servers with no ready work make way for a server that has some.
          for (const [key, other] of running) if (other.busy === 0 && !hasReady(key)) stop(key);
          if (!fits(spec)) continue;
        }
        r = { spec, readyAt: t + spec.loadSeconds, busy: 0 };
        running.set(spec.key, r);
        vram += spec.estimate.vramMiB;
        ram += spec.estimate.ramMiB;
        spec.cores.forEach((c) => coresInUse.add(c));
        peak.vramMiB = Math.max(peak.vramMiB, vram);
        peak.ramMiB = Math.max(peak.ramMiB, ram);
        peak.cores = Math.max(peak.cores, coresInUse.size);
      }
      while (r.busy < spec.shape.slots && q.size) {
        begin(q.pop()!, spec, Math.max(t, r.readyAt));
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
      for (const next of dependants.get(done.item.bead.id) ?? []) {
        const left = remaining.get(next)! - 1;
        remaining.set(next, left);
        if (left === 0) push(byId.get(next)!);
      }
    }
  }
  const makespan = t;
  for (const key of [...running.keys()]) stop(key);
  phaseMark();
  const last = phases[phases.length - 1];
  if (last && !last.servers.length && last.start >= makespan) phases.pop();
  if (phases.length) phases[phases.length - 1]!.end = makespan;

  // Lower bounds: critical path over dependencies, and per server its work spread over its slots.
  const finish = new Map<string, number>();
  const durationOf = new Map(scheduled.map((s) => [s.item.bead.id, s.end - s.start]));
  let criticalPath = 0;
  for (const s of [...scheduled].sort((a, b) => a.start - b.start)) {
    const deps = (waitsOn.get(s.item.bead.id) ?? []).filter((d) => byId.has(d));
    const f = Math.max(0, ...deps.map((d) => finish.get(d) ?? 0)) + durationOf.get(s.item.bead.id)!;
    finish.set(s.item.bead.id, f);
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
  return { scheduled, phases, makespan, criticalPath, workBound, lowerBound, utilisation, peak };
}
