// The one place a rig's code runs (tests, godot, anything from rig.yml): allow-listed env, bubblewrap, timeout, output cap.
import { existsSync, lstatSync, mkdtempSync, mkdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRawConfig } from '../../../config/load.js';
import { bwrapArgs, type PathKind } from './bwrap.js';
import { sandboxEnv } from './env.js';
import { findOnPath, resolveSandbox, sandboxModeFromConfig, type SandboxMode } from './mode.js';
import { runProcess, type ProcessResult } from './process.js';

export { SandboxMode, SANDBOX_MODES, SandboxUnavailableError, resolveSandbox, sandboxModeFromConfig, findOnPath } from './mode.js';
export { isSecretName, sandboxEnv } from './env.js';
export type { ProcessResult } from './process.js';

/** gth's own install (src/ or dist/ are three levels below): read-only inside, e.g. for the test stand-in `godot`. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export interface RigCommandOptions {
  /** Where PATH, LANG, LC_*, TERM, TZ are read from; nothing else of it reaches the command. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to `sandbox:` of gastown.yml ($GTH_CONFIG or ./gastown.yml), else bwrap. */
  sandbox?: SandboxMode;
  timeoutMs: number;
  maxOutputBytes?: number;
}

export interface RigCommandResult extends ProcessResult {
  sandbox: SandboxMode;
}

const probe = (p: string): PathKind => {
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return { link: readlinkSync(p) };
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
};

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** Paths that must not be visible even inside a bound folder: the owner's HOME and the state folder. */
function hiddenPaths(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const out = [homedir(), env.HOME, env.GTH_STATE_DIR && resolve(cwd, env.GTH_STATE_DIR), resolve(cwd, '.gastown-state'), join(PACKAGE_ROOT, '.gastown-state')];
  return [...new Set(out.filter((p): p is string => typeof p === 'string' && isAbsolute(p)).flatMap((p) => [p, real(p)]))];
}

/** Runs `command` in the rig worktree `root` and returns its exit status and (capped) output. */
export async function runRigCommand(root: string, command: string[], options: RigCommandOptions): Promise<RigCommandResult> {
  const source = options.env ?? process.env;
  const sandbox = options.sandbox ?? sandboxModeFromConfig(loadRawConfig(undefined, source));
  const bwrap = resolveSandbox(sandbox, source);
  const worktree = real(root);
  const run = { cwd: worktree, timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES };
  const scratch = mkdtempSync(join(tmpdir(), 'gth-rig-'));
  try {
    if (bwrap) {
      const home = '/tmp/home';
      const emptyFile = join(scratch, 'empty');
      writeFileSync(emptyFile, '', { mode: 0o444 });
      const env = sandboxEnv(source, { home, tmp: '/tmp' });
      // The program's own folder too: `godot` on PATH is often a symlink into /opt/godot.
      const program = isAbsolute(command[0]!) ? command[0]! : findOnPath(command[0]!, env.PATH);
      const readOnly = [...(env.PATH ?? '').split(delimiter), dirname(process.execPath), PACKAGE_ROOT, ...(program ? [dirname(real(program))] : [])]
        .filter((p) => isAbsolute(p) && existsSync(p))
        .map(real);
      const args = bwrapArgs({ bwrap, worktree, command, readOnly, hidden: hiddenPaths(source, process.cwd()), home, emptyFile }, probe);
      const r = await runProcess(bwrap, args, { ...run, env });
      // bwrap itself says when the program is not there; report it like a failed start, not a test failure.
      const notFound = r.exitCode === 1 ? /^bwrap: execvp (.*)$/m.exec(r.output) : null;
      return { sandbox, ...r, startError: r.startError ?? (notFound ? notFound[1]! : null) };
    }
    // sandbox: none: the same environment and a fresh HOME on the host, no isolation beyond that.
    const home = join(scratch, 'home');
    const tmp = join(scratch, 'tmp');
    for (const d of [home, tmp]) mkdirSync(d);
    const env = sandboxEnv(source, { home, tmp });
    return { sandbox, ...(await runProcess(command[0]!, command.slice(1), { ...run, env })) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
