// Servers for the catalog models the plan did not choose, so a client can still ask the endpoint for any loadable model.
import type { Bead } from '../../beads/schema.js';
import type { FleetConfig } from '../../fleet/config.js';
import type { ServerPlan } from '../../fleet/plan-schema.js';
import { planFleet } from '../../fleet/planner.js';
import type { Role } from '../../beads/schema.js';

/** Added to a standby server's importance: it is swapped out before any server the plan chose. */
export const STANDBY_IMPORTANCE = 100;

const SIZING_BEAD = (role: Role, tokenEstimate: number | null): Bead => ({
  id: 'standby-1', title: 'size a standby server', description: '', type: 'task', role, rig: null, convoy: null, status: 'open', priority: 2,
  dependencies: [], acceptance: [], files: [], tokenEstimate, assignee: null, attempts: [], branch: null, pr: null, labels: [],
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', closedAt: null, history: [],
});

/**
 * One server per catalog model that no planned server runs and whose GGUF `exists`, sized by the planner itself
 * on the device a switcher rule gives it, else the GPU, else the CPU: one slot, with room for the largest prompt
 * its rule sends it (else, or when that does not fit, a typical prompt). A model that fits not even then is left
 * out. Pure apart from `exists`.
 */
export function standbyServers(planned: readonly ServerPlan[], cfg: FleetConfig, exists: (modelFile: string) => boolean): ServerPlan[] {
  const served = new Set(planned.map((s) => s.model));
  const ids = new Set(planned.map((s) => s.id));
  const out: ServerPlan[] = [];
  for (const model of cfg.catalog) {
    if (served.has(model.name) || !exists(model.file)) continue;
    const rule = cfg.switcher.rules.find((r) => r.model === model.name && r.device !== 'cloud');
    const device = rule?.device === 'cpu' || rule?.device === 'gpu' ? rule.device : model.speed.gpu ? 'gpu' : model.speed.cpu ? 'cpu' : null;
    if (!device) continue;
    const role = rule?.role ?? 'polecat';
    // The planner's own sizing, asked for one bead of this role on this model: one flow for flags, context and fit.
    const only = { ...cfg, switcher: { ...cfg.switcher, rules: [{ role, model: model.name, device, why: 'standby' }] } };
    const size = (tokens: number | null): ServerPlan | undefined => {
      try {
        // The bead's own text is a few words: a rough count spares loading the tokenizer at start-up.
        return planFleet([SIZING_BEAD(role, tokens)], only, { count: (text) => Math.ceil(text.length / 4) }).servers[0];
      } catch {
        return undefined; // does not fit the hardware on its own
      }
    };
    const band = rule?.maxPromptTokens ?? null;
    const server = (band !== null ? size(band) : undefined) ?? size(null);
    if (!server || server.model !== model.name || ids.has(server.id)) continue;
    ids.add(server.id);
    served.add(model.name);
    out.push({ ...server, importance: server.importance + STANDBY_IMPORTANCE });
  }
  return out;
}
