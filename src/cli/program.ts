// Builds the `gth` commander program from the per-area command modules (only the one being run is imported).
import { Command, CommanderError, Help } from 'commander';
import { COMMAND_MODULES, commandTerm, registerAll } from './commands/index.js';
import { GthError, UsageError, errorMessage } from '../util/errors.js';

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('gth')
    .description('gastown-hybrid: Gas Town-style agents on local llama.cpp models plus cloud Gemini')
    .version('0.1.0')
    // An unknown command gets the list of commands after the error.
    .showHelpAfterError(`commands: ${Object.keys(COMMAND_MODULES).join(', ')}\n(run with --help for usage)`)
    .exitOverride()
    .configureHelp({
      // The same term for a top-level command whether its module was loaded or only its table entry.
      subcommandTerm(this: Help, cmd: Command): string {
        return cmd.parent === program && Object.hasOwn(COMMAND_MODULES, cmd.name()) ? commandTerm(cmd.name()) : Help.prototype.subcommandTerm.call(this, cmd);
      },
    });
  await registerAll(program, argv);
  // Sub-commands inherit exitOverride so usage errors surface as CommanderError.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      sub.showHelpAfterError('(run with --help for usage)');
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 bad usage. */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // A kept answer written straight to stdout's fd (bead-views.ts writeView) meets a reader that left: as main.ts's handler does.
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return typeof process.exitCode === 'number' ? process.exitCode : 0;
    if (err instanceof CommanderError) {
      // --help and --version also throw through exitOverride, with exit code 0.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`gth: ${errorMessage(err)}\n`);
      return 2;
    }
    if (err instanceof GthError) {
      process.stderr.write(`gth: ${errorMessage(err)}\n`);
      return 1;
    }
    process.stderr.write(`gth: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
