// Runs a command for a doctor check with the given env (its PATH decides which binary runs), never throwing.
import { execa } from 'execa';
import type { CommandResult, RunCommand } from './types.js';

export function commandRunner(env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 20_000): RunCommand {
  return async (cmd, args) => {
    const r = await execa(cmd, args, { env, extendEnv: false, cwd, reject: false, timeout: timeoutMs, stdin: 'ignore' });
    const notFound = (r as { code?: string }).code === 'ENOENT';
    const result: CommandResult = {
      found: !notFound,
      code: typeof r.exitCode === 'number' ? r.exitCode : null,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
    };
    return result;
  };
}
