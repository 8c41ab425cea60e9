// Shared test helpers for the fleet tests: bead builder and default config.
import { Bead, type BeadInput } from '../../../src/beads/schema.js';
import { loadFleetConfig, type FleetConfig } from '../../../src/fleet/config.js';

const AT = '2026-01-29T09:00:00Z';

export function bead(id: string, over: Partial<BeadInput> = {}): Bead {
  return Bead.parse({ id, title: `bead ${id}`, createdAt: AT, updatedAt: AT, ...over });
}

export function defaultConfig(data: Record<string, unknown> = {}): FleetConfig {
  return loadFleetConfig({ file: null, data });
}
