// The command groups, loaded lazily: only the module of the command being run is imported, so
// `gth bead ready` does not pay for Probot, the OpenAI and Gemini SDKs or Chart.js at start-up.
import type { Command } from 'commander';

type Registrar = () => Promise<{ register: (program: Command) => void }>;

/** Top-level command name -> the module that registers it. Add one line per new command group. */
export const COMMAND_MODULES: Record<string, Registrar> = {
  bead: () => import('./beads.js'),
  convoy: () => import('./beads.js'),
  beads: () => import('./beads.js'),
  hooks: () => import('./beads.js'),
  cost: () => import('./cost.js'),
  plan: () => import('./plan.js'),
  calibrate: () => import('./calibrate.js'),
  serve: () => import('./serve.js'),
  job: () => import('./job.js'),
  doctor: () => import('./doctor.js'),
  runtime: () => import('./runtime.js'),
  'run-epic': () => import('./run-epic.js'),
  eval: () => import('./eval.js'),
};

/** Registers the group for `argv[0]` when it names one; otherwise every group (for help and errors). */
export async function registerAll(program: Command, argv: readonly string[] = []): Promise<void> {
  const first = argv.find((a) => !a.startsWith('-'));
  const loaders = first && COMMAND_MODULES[first] ? [COMMAND_MODULES[first]] : [...new Set(Object.values(COMMAND_MODULES))];
  const seen = new Set<unknown>();
  for (const load of loaders) {
    const mod = await load();
    if (seen.has(mod.register)) continue;
    seen.add(mod.register);
    mod.register(program);
  }
}
