#!/usr/bin/env node
// Entry point of the `gth` binary.
import { runCli } from './program.js';

// `gth plan | head`: a reader that stops early is not an error (git and coreutils stop quietly too).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw err;
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
