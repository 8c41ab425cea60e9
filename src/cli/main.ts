#!/usr/bin/env node
// Entry point of the `gth` binary.
import module from 'node:module';

// Node 22+ keeps the compiled code of the modules a run loads (in its own cache folder), so the next start skips
// compiling them; Node 20 has no such cache. The program is imported after, so its modules are cached too.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { runCli } = await import('./program.js');

// `gth plan | head`: a reader that stops early is not an error (git and coreutils stop quietly too).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw err;
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
