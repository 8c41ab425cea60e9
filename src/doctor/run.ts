// Runs the doctor checks with an injected env/PATH and formats the lines (ok / problem + fix).
import { commandRunner } from './exec.js';
import { checkConfig } from './checks/config.js';
import { checkCredentials } from './checks/credentials.js';
import { checkGodot } from './checks/godot.js';
import { checkLlamaServer } from './checks/llama.js';
import { checkModels } from './checks/models.js';
import { checkNvidia } from './checks/nvidia.js';
import { checkRunnerService } from './checks/runner.js';
import { checkSandbox } from './checks/sandbox.js';
import { problem, type Check, type CheckResult, type DoctorContext } from './types.js';
import { errorMessage } from '../util/errors.js';

export const ALL_CHECKS: Check[] = [checkNvidia, checkLlamaServer, checkModels, checkCredentials, checkGodot, checkSandbox, checkRunnerService, checkConfig];

export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  checks?: Check[];
  progress?: (line: string) => void;
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const ctx: DoctorContext = { env, cwd, run: commandRunner(env, cwd), progress: opts.progress ?? (() => undefined) };
  const results: CheckResult[] = [];
  for (const check of opts.checks ?? ALL_CHECKS) {
    try {
      results.push(...(await check(ctx)));
    } catch (err) {
      // A check that crashes is itself a problem to report, not a reason to hide the other lines.
      results.push(problem(check.name || 'check', `check crashed: ${errorMessage(err)}`, 'report this as a bug in gth doctor'));
    }
  }
  return results;
}

export function formatDoctor(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  return results
    .map((r) => `${r.ok ? 'ok     ' : 'PROBLEM'}  ${r.check.padEnd(width)}  ${r.detail}${r.ok ? '' : `\n         ${' '.repeat(width)}  fix: ${r.fix}`}`)
    .join('\n');
}
