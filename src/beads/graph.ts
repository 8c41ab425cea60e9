// Pure dependency-graph logic over beads: cycles, readiness, convoy progress.
import type { Bead, Convoy, Status, DepKind } from './schema.js';
import { STATUSES } from './model.js';

/** Dependency kinds that order work: a bead waits for these. */
export const ORDERING_KINDS: ReadonlySet<DepKind> = new Set(['blocks', 'parent-child']);
/** Only `blocks` keeps a bead out of `ready`; parent-child groups work without gating it. */
export const GATING_KINDS: ReadonlySet<DepKind> = new Set(['blocks']);

/** Returns every cycle over ordering edges as id paths, each closed (first id repeated at the end). */
export function findCycles(beads: readonly Pick<Bead, 'id' | 'dependencies'>[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const b of beads) {
    edges.set(b.id, b.dependencies.filter((d) => ORDERING_KINDS.has(d.kind)).map((d) => d.id));
  }
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  // Iterative DFS so 10,000-bead chains do not overflow the call stack.
  for (const start of edges.keys()) {
    if ((color.get(start) ?? WHITE) !== WHITE) continue;
    const work: { id: string; next: number }[] = [{ id: start, next: 0 }];
    color.set(start, GREY);
    stack.push(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const outs = edges.get(top.id) ?? [];
      if (top.next < outs.length) {
        const to = outs[top.next++]!;
        if (!edges.has(to)) continue; // dangling deps are reported elsewhere
        const c = color.get(to) ?? WHITE;
        if (c === GREY) {
          cycles.push([...stack.slice(stack.indexOf(to)), to]);
        } else if (c === WHITE) {
          color.set(to, GREY);
          stack.push(to);
          work.push({ id: to, next: 0 });
        }
      } else {
        color.set(top.id, BLACK);
        stack.pop();
        work.pop();
      }
    }
  }
  return cycles;
}

export function formatCycle(cycle: string[]): string {
  return cycle.join(' -> ');
}

/** Deps naming beads that do not exist, as [bead id, missing id]. */
export function danglingDeps(beads: readonly Pick<Bead, 'id' | 'dependencies'>[]): [string, string][] {
  const ids = new Set(beads.map((b) => b.id));
  const out: [string, string][] = [];
  for (const b of beads) for (const d of b.dependencies) if (!ids.has(d.id)) out.push([b.id, d.id]);
  return out;
}

/** Ids of the unfinished beads that keep `bead` waiting (missing blockers count as waiting). */
export function openBlockers(bead: Pick<Bead, 'dependencies'>, byId: ReadonlyMap<string, Pick<Bead, 'status'>>): string[] {
  const out: string[] = [];
  for (const d of bead.dependencies) {
    if (!GATING_KINDS.has(d.kind)) continue;
    const dep = byId.get(d.id);
    if (!dep || dep.status !== 'done') out.push(d.id);
  }
  return out;
}

export function compareReady(a: Pick<Bead, 'priority' | 'createdAt' | 'id'>, b: Pick<Bead, 'priority' | 'createdAt' | 'id'>): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ta = Date.parse(a.createdAt), tb = Date.parse(b.createdAt);
  if (ta !== tb) return ta - tb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Open beads whose blockers are all done, highest priority (0) first, then oldest. */
export function readyBeads<T extends Pick<Bead, 'id' | 'status' | 'dependencies' | 'priority' | 'createdAt'>>(beads: readonly T[]): T[] {
  const byId = new Map<string, T>(beads.map((b) => [b.id, b]));
  // Parse each timestamp once, not once per comparison.
  const keyed = beads
    .filter((b) => b.status === 'open' && openBlockers(b, byId).length === 0)
    .map((b) => ({ b, t: Date.parse(b.createdAt) }));
  keyed.sort((x, y) => x.b.priority - y.b.priority || x.t - y.t || (x.b.id < y.b.id ? -1 : x.b.id > y.b.id ? 1 : 0));
  return keyed.map((k) => k.b);
}

export interface ConvoyProgress {
  convoy: string;
  total: number;
  counts: Record<Status, number>;
  percentDone: number;
  missing: string[];
  /** For each waiting bead, the unfinished beads that block it. */
  blocked: { id: string; waitingOn: string[] }[];
}

export function convoyProgress(convoy: Pick<Convoy, 'id' | 'beads'>, all: readonly Pick<Bead, 'id' | 'status' | 'dependencies'>[]): ConvoyProgress {
  const byId = new Map(all.map((b) => [b.id, b]));
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const missing: string[] = [];
  const blocked: ConvoyProgress['blocked'] = [];
  let counted = 0;
  for (const id of convoy.beads) {
    const b = byId.get(id);
    if (!b) {
      missing.push(id);
      continue;
    }
    counted++;
    counts[b.status]++;
    if (b.status !== 'done' && b.status !== 'cancelled') {
      const waitingOn = openBlockers(b, byId);
      if (waitingOn.length) blocked.push({ id, waitingOn });
    }
  }
  const live = counted - counts.cancelled;
  return {
    convoy: convoy.id,
    total: counted,
    counts,
    percentDone: live > 0 ? Math.round((counts.done / live) * 1000) / 10 : 0,
    missing,
    blocked,
  };
}
