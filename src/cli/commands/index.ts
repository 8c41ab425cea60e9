// The command groups and their one-line summaries, loaded lazily: `gth <cmd>` imports only that command's
// module, and `gth --help` is built from this table alone, so neither pays for Probot, the OpenAI and Gemini
// SDKs or Chart.js at start-up.
import type { Command } from 'commander';
import { GthError } from '../../util/errors.js';

type Registrar = () => Promise<{ register: (program: Command) => void }>;

export interface CommandEntry {
  /** The line `gth --help` prints for the command. */
  summary: string;
  /** Positional arguments as the command declares them, shown beside its name in `gth --help`. */
  args?: string;
  load: Registrar;
}

// One loader per module: commands that share a module share its loader, so the module registers once.
const beads: Registrar = () => import('./beads.js');

/** Top-level command name -> its summary and the module that registers it. Add one entry per new command. */
export const COMMAND_MODULES: Readonly<Record<string, CommandEntry>> = {
  bead: { summary: 'create, inspect and move single beads', load: beads },
  convoy: { summary: 'groups of beads that ship together', load: beads },
  beads: { summary: 'whole-folder operations: check, bd import/export, merge driver', load: beads },
  hooks: { summary: 'git hooks for the town repository', load: beads },
  cost: { summary: 'cost ledger and reports', load: () => import('./cost.js') },
  plan: { summary: 'plan the local fleet for a bead queue: servers, command lines, schedule', load: () => import('./plan.js') },
  calibrate: { summary: "measure llama-server's buffers and speed against the planner's estimate", load: () => import('./calibrate.js') },
  serve: { summary: 'run the GitHub App webhook server (Probot)', load: () => import('./serve.js') },
  job: { summary: 'run one runner job for a bead (what the workflows call)', args: '<kind>', load: () => import('./job.js') },
  doctor: { summary: 'check this machine: driver, llama-server, models, credentials, Godot, runner', load: () => import('./doctor.js') },
  runtime: { summary: 'supervise the local llama-server processes chosen by the fleet plan', load: () => import('./runtime.js') },
  'run-epic': { summary: 'run one epic end to end locally', args: '<epic>', load: () => import('./run-epic.js') },
  eval: { summary: 'score each model in each role on the eval task set', load: () => import('./eval.js') },
};

/** The command `argv` runs (`gth help <cmd>` counts as `<cmd>`), or undefined for top-level help, --version and unknown names. */
export function commandToLoad(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(COMMAND_MODULES, name) ? name : undefined;
}

/** The top-level help's term for a command: its name and positional arguments, the same whether loaded or not. */
export function commandTerm(name: string): string {
  const args = COMMAND_MODULES[name]?.args;
  return args ? `${name} ${args}` : name;
}

/**
 * Registers the module of the command `argv` runs, and a stub (name and summary only) for every other
 * command, so help and unknown-command errors list them all without importing them.
 */
export async function registerAll(program: Command, argv: readonly string[] = []): Promise<void> {
  const wanted = commandToLoad(argv);
  const load = wanted ? COMMAND_MODULES[wanted]!.load : undefined;
  const mod = load ? await load() : undefined;
  const names = Object.keys(COMMAND_MODULES);
  for (const name of names) {
    if (program.commands.some((c) => c.name() === name)) continue;
    const entry = COMMAND_MODULES[name]!;
    if (mod && entry.load === load) {
      mod.register(program);
      continue;
    }
    program
      .command(name)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        // Unreachable through runCli: a named command always loads its module first.
        throw new GthError(`internal error: command module for "${name}" was not loaded`);
      });
  }
  for (const cmd of program.commands) {
    const entry = COMMAND_MODULES[cmd.name()];
    if (entry) cmd.summary(entry.summary);
  }
  // Table order in help, whichever module registered first.
  (program.commands as Command[]).sort((a, b) => rank(names, a.name()) - rank(names, b.name()));
}

function rank(names: string[], name: string): number {
  const i = names.indexOf(name);
  return i < 0 ? names.length : i;
}
