// The one model wiring for every driver (run-epic, runner jobs, the app): the fleet planner's LiveRouter, metered, with eval feedback.
import type { Logger } from 'pino';
import type { Bead } from '../../beads/schema.js';
import type { ModelRouter } from './router.js';

export interface EngineModels {
  router: ModelRouter;
  /** Tokens of rig context per bead: the context per slot of the server the fleet plan gives it. */
  contextBudget: (bead: Bead) => number;
  /** The runtime's state folder (worktrees, measured speeds, running servers). */
  stateDir: string;
}

/**
 * Switcher rules reordered by the latest `gth eval`, the runtime's running llama-servers, Gemini, every call
 * metered into the ledger under `ledgerRoot`. Heavy modules load only here, so commands that need no model start fast.
 */
export async function engineModelsFromConfig(env: NodeJS.ProcessEnv, cwd: string, log: Logger, ledgerRoot = cwd, configFile?: string): Promise<EngineModels> {
  const [{ loadRawConfig }, { loadFleetConfig }, { loadProvidersConfig }, { loadRuntimeSettings }, { createLedgerMeter }, { LiveRouter }, { contextBudgetFor }, { fleetWithEvalFeedback }] =
    await Promise.all([
      import('../../config/load.js'),
      import('../../fleet/config.js'),
      import('../../providers/config.js'),
      import('../../runtime/config.js'),
      import('../../cost/setup.js'),
      import('./live-router.js'),
      import('../../fleet/context-budget.js'),
      import('../../eval/feedback.js'),
    ]);
  const raw = loadRawConfig(configFile, env, cwd);
  const stateDir = loadRuntimeSettings(raw, env, cwd).stateDir;
  // The latest `gth eval` results reorder the ladders and flag models that hallucinate Godot 3 APIs.
  const fleet = fleetWithEvalFeedback(loadFleetConfig(raw, cwd), raw, stateDir);
  const router = new LiveRouter({
    fleet,
    providers: loadProvidersConfig(raw),
    stateDir,
    deps: { env, meter: createLedgerMeter({ raw, env, townRoot: ledgerRoot, logger: log }), logger: log, log },
  });
  return { router, contextBudget: contextBudgetFor(fleet), stateDir };
}
