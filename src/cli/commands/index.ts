// The list of command groups. Each area adds one import and one call here.
import type { Command } from 'commander';
import { register as registerBeads } from './beads.js';
import { register as registerCost } from './cost.js';
import { register as registerPlan } from './plan.js';

export function registerAll(program: Command): void {
  registerBeads(program);
  registerCost(program);
  registerPlan(program);
}
