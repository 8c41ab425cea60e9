// Orders beads into dependency levels: a bead runs one level after the last bead that blocks it.
import type { Bead } from '../beads/schema.js';
import { GATING_KINDS } from '../beads/graph.js';
import { GthError } from '../util/errors.js';

export interface Levels {
  level: Map<string, number>;
  count: number;
  warnings: string[];
  /** Planned beads each bead waits on (gating kinds only). */
  waitsOn: Map<string, string[]>;
}

/**
 * Kahn's algorithm over `blocks` edges between planned beads. Blockers outside the plan that are done
 * count as met; others only warn (the plan cannot wait for work it does not schedule).
 */
export function levelsOf(planned: readonly Bead[], all: ReadonlyMap<string, Bead>): Levels {
  const ids = new Set(planned.map((b) => b.id));
  const waitsOn = new Map<string, string[]>();
  const unblocks = new Map<string, string[]>();
  const warnings: string[] = [];
  for (const b of planned) {
    const deps: string[] = [];
    for (const d of b.dependencies) {
      if (!GATING_KINDS.has(d.kind)) continue;
      if (ids.has(d.id)) {
        deps.push(d.id);
        const list = unblocks.get(d.id);
        if (list) list.push(b.id);
        else unblocks.set(d.id, [b.id]);
      } else {
        const other = all.get(d.id);
        if (!other) warnings.push(`${b.id} waits on ${d.id}, which does not exist; planned as if it were done`);
        else if (other.status !== 'done') warnings.push(`${b.id} waits on ${d.id} (${other.status}), which is not in this plan`);
      }
    }
    waitsOn.set(b.id, deps);
  }
  const level = new Map<string, number>();
  const remaining = new Map<string, number>();
  const queue: string[] = [];
  for (const b of planned) {
    const n = waitsOn.get(b.id)!.length;
    remaining.set(b.id, n);
    if (n === 0) {
      queue.push(b.id);
      level.set(b.id, 0);
    }
  }
  let max = planned.length ? 0 : -1;
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    const l = level.get(id)!;
    for (const next of unblocks.get(id) ?? []) {
      level.set(next, Math.max(level.get(next) ?? 0, l + 1));
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) {
        queue.push(next);
        max = Math.max(max, level.get(next)!);
      }
    }
  }
  if (queue.length < planned.length) {
    const stuck = planned.filter((b) => remaining.get(b.id)! > 0).map((b) => b.id);
    throw new GthError(`dependency cycle among beads: ${stuck.slice(0, 20).join(', ')}${stuck.length > 20 ? ', ...' : ''}`);
  }
  return { level, count: max + 1, warnings, waitsOn };
}
