#!/usr/bin/env node
// Entry point of the `gth` binary.
import module from 'node:module';

// Node 22+ keeps the compiled code of the modules a run loads (in its own cache folder), so the next start skips
// compiling them; Node 20 has no such cache. The program is imported after, so its modules are cached too.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// `gth plan | head`: a reader that stops early is not an error (git and coreutils stop quietly too).
const quietOnEpipe = (err: NodeJS.ErrnoException): void => {
  if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw err;
};
process.stdout.on('error', quietOnEpipe);

const argv = process.argv.slice(2);
// A plain re-run of a read command whose answer is kept is printed before the command-line parser and the
// command's modules load (kept-answers.ts); on a miss the command runs as always, with the scan already made.
const early = argv[0] === 'plan' || (argv[0] === 'bead' && (argv[1] === 'list' || argv[1] === 'ready')) ? await import('./kept-answers.js') : null;
// A kept answer is written straight to fd 1, past process.stdout and its error handler.
if (early && (await early.serveKeptAnswer(argv).catch(quietOnEpipe))) process.exitCode = 0;
else {
  const { runCli } = await import('./program.js');
  process.exitCode = await runCli(argv);
}
