// The list of command groups. Each area adds one import and one call here.
import type { Command } from 'commander';
import { register as registerBeads } from './beads.js';
import { register as registerCost } from './cost.js';
import { register as registerPlan } from './plan.js';
import { register as registerServe } from './serve.js';
import { register as registerJob } from './job.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerRuntime } from './runtime.js';

export function registerAll(program: Command): void {
  registerBeads(program);
  registerCost(program);
  registerPlan(program);
  registerServe(program);
  registerJob(program);
  registerDoctor(program);
  registerRuntime(program);
}
