// Doctor check: which sandbox runs rig code (gastown.yml `sandbox:`), and that bubblewrap really starts one here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRawConfig } from '../../config/load.js';
import { isSecretName, runRigCommand, sandboxModeFromConfig, SandboxUnavailableError } from '../../agents/rig/runner/index.js';
import { errorMessage } from '../../util/errors.js';
import { ok, problem, type Check } from '../types.js';

const NAME = 'sandbox';
const INSTALL = 'run runner-setup/install-bubblewrap.sh (installs the Debian package `bubblewrap` and says why a sandbox cannot start)';

export const checkSandbox: Check = async ({ env, cwd }) => {
  let mode;
  try {
    mode = sandboxModeFromConfig(loadRawConfig(undefined, env, cwd));
  } catch (err) {
    return [problem(NAME, `cannot read the sandbox setting: ${errorMessage(err)}`, 'set `sandbox: bwrap` (or `none`) in gastown.yml')];
  }
  if (mode === 'none') {
    // Unsandboxed rig code is only acceptable where there is nothing to steal.
    const keys = Object.keys(env).filter(isSecretName).sort();
    return keys.length > 0
      ? [problem(NAME, `sandbox: none, so rig code runs unsandboxed next to ${keys.join(', ')}`, `${INSTALL}, then remove \`sandbox: none\` from gastown.yml`)]
      : [ok(NAME, 'sandbox: none (rig code runs unsandboxed; no keys in this environment)')];
  }
  const dir = mkdtempSync(join(tmpdir(), 'gth-doctor-sandbox-'));
  try {
    const r = await runRigCommand(dir, ['/bin/sh', '-c', 'echo sandbox-ok'], { env, sandbox: 'bwrap', timeoutMs: 10_000 });
    if (r.exitCode === 0 && r.output.trim() === 'sandbox-ok') return [ok(NAME, 'bwrap: rig code runs in bubblewrap (no network, allow-listed environment)')];
    return [problem(NAME, `bwrap is installed but cannot start a sandbox: ${r.output.trim() || `exit ${r.exitCode}`}`, INSTALL)];
  } catch (err) {
    if (err instanceof SandboxUnavailableError) return [problem(NAME, 'sandbox: bwrap, but bubblewrap (`bwrap`) is not on PATH, so rig code is refused', `${INSTALL}; or set \`sandbox: none\` only on a machine that holds no keys`)];
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
