// The token budget the planner gives a bead's context: its slot's context, less what the role will write.
import type { Bead } from '../beads/schema.js';
import type { FleetConfig } from './config.js';
import { planFleet } from './planner.js';
import { roleOf } from './switcher.js';

/** Beads the local fleet cannot hold go to the cloud, where this many tokens of context are allowed. */
export const CLOUD_CONTEXT_TOKENS = 60_000;

export function contextBudgetFor(fleet: FleetConfig): (bead: Bead) => number {
  const cache = new Map<string, number>();
  return (bead) => {
    const hit = cache.get(bead.id);
    if (hit !== undefined) return hit;
    // Planned alone and without dependencies: only its own size decides where it goes.
    const plan = planFleet([{ ...bead, dependencies: [] }], fleet);
    const assignment = plan.waves.flatMap((w) => w.assignments).find((a) => a.beadId === bead.id);
    const server = plan.servers.find((s) => s.id === assignment?.target);
    const output = fleet.switcher.outputTokens[roleOf(bead)] ?? 0;
    const budget = server ? Math.max(1000, server.ctxPerSlot - output) : CLOUD_CONTEXT_TOKENS;
    cache.set(bead.id, budget);
    return budget;
  };
}
