// Orders beads into dependency levels: a bead runs one level after the last bead that blocks it.
import type { Bead } from '../beads/schema.js';
import { GATING_KINDS } from '../beads/graph.js';
import { GthError } from '../util/errors.js';

type LevelBead = Pick<Bead, 'id' | 'status' | 'dependencies'>;

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
export function levelsOf(planned: readonly LevelBead[], all: ReadonlyMap<string, LevelBead>): Levels {
  // Beads by position: counts, dependants and levels live in arrays (over 10,000 beads, maps keyed by bead id
  // were most of this function's time); the maps returned are built once at the end.
  const index = new Map<string, number>();
  planned.forEach((b, k) => index.set(b.id, k));
  const waitsOn = new Map<string, string[]>();
  const unblocks: (number[] | undefined)[] = new Array<number[] | undefined>(planned.length);
  const remaining = new Int32Array(planned.length);
  const warnings: string[] = [];
  planned.forEach((b, k) => {
    const deps: string[] = [];
    for (const d of b.dependencies) {
      if (!GATING_KINDS.has(d.kind)) continue;
      const j = index.get(d.id);
      if (j !== undefined) {
        deps.push(d.id);
        (unblocks[j] ??= []).push(k);
      } else {
        const other = all.get(d.id);
        if (!other) warnings.push(`${b.id} waits on ${d.id}, which does not exist; planned as if it were done`);
        else if (other.status !== 'done') warnings.push(`${b.id} waits on ${d.id} (${other.status}), which is not in this plan`);
      }
    }
    waitsOn.set(b.id, deps);
    remaining[k] = deps.length;
  });
  const levelOf = new Int32Array(planned.length);
  const queue: number[] = [];
  remaining.forEach((n, k) => {
    if (n === 0) queue.push(k);
  });
  let max = planned.length ? 0 : -1;
  for (let i = 0; i < queue.length; i++) {
    const k = queue[i]!;
    const l = levelOf[k]!;
    for (const next of unblocks[k] ?? []) {
      levelOf[next] = Math.max(levelOf[next]!, l + 1);
      if (--remaining[next]! === 0) {
        queue.push(next);
        max = Math.max(max, levelOf[next]!);
      }
    }
  }
  if (queue.length < planned.length) {
    const stuck = planned.filter((_, k) => remaining[k]! > 0).map((b) => b.id);
    throw new GthError(`dependency cycle among beads: ${stuck.slice(0, 20).join(', ')}${stuck.length > 20 ? ', ...' : ''}`);
  }
  const level = new Map<string, number>();
  planned.forEach((b, k) => level.set(b.id, levelOf[k]!));
  return { level, count: max + 1, warnings, waitsOn };
}
