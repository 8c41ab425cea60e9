import { describe, it, expect } from 'vitest';
import { contextBudgetFor } from '../../../src/fleet/context-budget.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { planFleet } from '../../../src/fleet/planner.js';
import { Bead } from '../../../src/beads/schema.js';

const at = '2026-01-01T00:00:00.000Z';
const bead = (id: string, tokenEstimate: number) =>
  Bead.parse({ id, title: 'Implement it', role: 'polecat', files: ['scripts/a.gd'], acceptance: ['works'], tokenEstimate, createdAt: at, updatedAt: at });

describe('contextBudgetFor', () => {
  const fleet = loadFleetConfig({ file: null, data: {} });
  const budget = contextBudgetFor(fleet);

  it('is the context per slot of the server the planner picks, less the role output', () => {
    for (const tokens of [4000, 9000]) {
      const b = bead(`ab-${tokens}`, tokens);
      const plan = planFleet([b], fleet);
      const target = plan.waves[0]!.assignments[0]!.target;
      const server = plan.servers.find((s) => s.id === target)!;
      expect(budget(b)).toBe(server.ctxPerSlot - fleet.switcher.outputTokens.polecat!);
      expect(budget(b)).toBeGreaterThanOrEqual(tokens - fleet.switcher.outputTokens.polecat!);
    }
  });

  it('gives a larger budget to a bead that needs the 7B server than to one for the small coder', () => {
    expect(budget(bead('ab-big', 9000))).toBeGreaterThan(budget(bead('ab-small', 4000)));
  });
});
