// Where the agent engine plugs into the GitHub app: replace a null with the engine's implementation (one line each).
import type { Engine } from './ports.js';

export function defaultEngine(): Engine {
  return {
    planner: null, // e.g. createMayorPlanner(config) from src/agents once it exists
    convoys: null, // e.g. createConvoyLookup(beadStore)
    reviewer: null, // e.g. createRefineryReviewer(config)
  };
}
