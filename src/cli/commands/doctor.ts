// `gth doctor [--json]`: checks the driver, llama-server, models, credentials, Godot and the runner service; exit 1 on a problem.
import type { Command } from 'commander';
import { formatDoctor, runDoctor } from '../../doctor/run.js';
import { printJson } from '../output.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('Check this machine: NVIDIA driver, llama-server, catalog models (sha256), GitHub App and Gemini credentials, Godot, runner service')
    .option('--json', 'print the results as JSON')
    .action(async (flags: { json?: boolean }) => {
      const results = await runDoctor({ env: process.env, cwd: process.cwd(), progress: (l) => process.stderr.write(`${l}\n`) });
      if (flags.json) printJson({ ok: results.every((r) => r.ok), results });
      else process.stdout.write(`${formatDoctor(results)}\n`);
      if (!results.every((r) => r.ok)) process.exitCode = 1;
    });
}
