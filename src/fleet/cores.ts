// Hands out physical cores to servers in a wave: CPU agents by class from the bottom, GPU feeders from the top.
import type { CoreClass, PhysicalCore } from './hardware.js';

export interface CoreRequest {
  /** Class tried first; GPU feeders accept any class. */
  prefer: CoreClass;
  onlyPreferred: boolean;
  /** true: take the highest-numbered free cores (keeps P-cores 0.. contiguous for the Refinery). */
  fromTop: boolean;
  want: number;
  min: number;
}

/** Picks cores from `free` (cores not used by anything else in the wave); null when fewer than `min` fit. */
export function pickCores(free: readonly PhysicalCore[], req: CoreRequest): PhysicalCore[] | null {
  const order = (cls: CoreClass): PhysicalCore[] => {
    const list = free.filter((c) => c.cls === cls).sort((a, b) => a.index - b.index);
    return req.fromTop ? list.reverse() : list;
  };
  const other: CoreClass = req.prefer === 'p' ? 'e' : 'p';
  const candidates = req.onlyPreferred ? order(req.prefer) : [...order(req.prefer), ...order(other)];
  if (candidates.length < req.min) return null;
  return candidates.slice(0, req.want);
}
