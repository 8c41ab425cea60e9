// Packs each dependency level into waves of servers that fit together in VRAM, RAM and disjoint cores.
import type { Bead, Role } from '../beads/schema.js';
import type { PhysicalCore } from './hardware.js';
import type { ServerSpec } from './server-spec.js';
import type { Choice } from './switcher.js';

/** What the planner reads of a bead: its text tokens come separately (see planBeads). */
export type PlanBead = Pick<Bead, 'id' | 'status' | 'type' | 'role' | 'priority' | 'dependencies' | 'tokenEstimate' | 'files'>;

export interface WorkItem {
  bead: PlanBead;
  role: Role;
  promptTokens: number;
  outputTokens: number;
  choice: Choice;
  level: number;
  /** Server key, or null for the cloud. */
  serverKey: string | null;
}

export interface WaveDraft {
  servers: ServerSpec[];
  local: { item: WorkItem; server: ServerSpec }[];
  cloud: WorkItem[];
}

export interface Budgets {
  vramMiB: number;
  ramMiB: number;
}

const byPriority = (a: WorkItem, b: WorkItem): number => a.bead.priority - b.bead.priority || (a.bead.id < b.bead.id ? -1 : a.bead.id > b.bead.id ? 1 : 0);

/** Greedy: each wave takes servers in importance order while they fit, each filling up to its slots. */
export function packWaves(itemsByLevel: WorkItem[][], specs: ReadonlyMap<string, ServerSpec>, budgets: Budgets): WaveDraft[] {
  const order = [...specs.values()].sort((a, b) => a.importance - b.importance || a.key.localeCompare(b.key));
  const waves: WaveDraft[] = [];
  for (const items of itemsByLevel) {
    const cloud = items.filter((i) => i.serverKey === null);
    const queues = new Map<string, WorkItem[]>();
    for (const i of items) {
      if (i.serverKey === null) continue;
      const q = queues.get(i.serverKey);
      if (q) q.push(i);
      else queues.set(i.serverKey, [i]);
    }
    for (const q of queues.values()) q.sort(byPriority);
    const heads = new Map<string, number>([...queues.keys()].map((k) => [k, 0]));
    let first = true;
    let left = items.length - cloud.length;
    while (left > 0) {
      const wave: WaveDraft = { servers: [], local: [], cloud: first ? cloud : [] };
      let vram = 0;
      let ram = 0;
      const used = new Set<PhysicalCore>();
      for (const spec of order) {
        const q = queues.get(spec.key);
        const head = heads.get(spec.key) ?? 0;
        if (!q || head >= q.length) continue;
        if (vram + spec.estimate.vramMiB > budgets.vramMiB || ram + spec.estimate.ramMiB > budgets.ramMiB) continue;
        if (spec.cores.some((c) => used.has(c))) continue;
        vram += spec.estimate.vramMiB;
        ram += spec.estimate.ramMiB;
        spec.cores.forEach((c) => used.add(c));
        wave.servers.push(spec);
        const take = Math.min(spec.shape.slots, q.length - head);
        for (let k = 0; k < take; k++) wave.local.push({ item: q[head + k]!, server: spec });
        heads.set(spec.key, head + take);
        left -= take;
      }
      // Every spec fits alone (sizing checked it), so an empty wave means a planner bug, not bad input.
      if (!wave.servers.length) throw new Error('internal: no server fits an empty wave');
      waves.push(wave);
      first = false;
    }
    if (first && cloud.length) waves.push({ servers: [], local: [], cloud });
  }
  return waves;
}
