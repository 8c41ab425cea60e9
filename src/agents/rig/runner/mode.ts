// Which sandbox runs rig code: `sandbox: bwrap | none` in gastown.yml (default bwrap), and where bwrap is.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { configSection, type RawConfig } from '../../../config/load.js';
import { GthError } from '../../../util/errors.js';

export const SANDBOX_MODES = ['bwrap', 'none'] as const;
export const SandboxMode = z.enum(SANDBOX_MODES, {
  error: (issue) => `unknown sandbox ${JSON.stringify(issue.input)}: expected one of ${SANDBOX_MODES.join(', ')}`,
});
export type SandboxMode = z.infer<typeof SandboxMode>;

/** The top-level `sandbox` key of gastown.yml. */
export function sandboxModeFromConfig(raw: RawConfig): SandboxMode {
  return configSection(raw, 'sandbox', SandboxMode, 'bwrap');
}

/** An executable named `name` on `path` (a PATH value), or null. */
export function findOnPath(name: string, path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

export class SandboxUnavailableError extends GthError {}

export const BWRAP_MISSING =
  'bubblewrap (`bwrap`) is not on PATH, so rig code (tests, godot, anything from rig.yml) will not run: ' +
  'install the Debian package `bubblewrap` (runner-setup/install-bubblewrap.sh), or, only on a machine that holds no keys, ' +
  'set `sandbox: none` in gastown.yml';

/** The bwrap binary to use in `mode`; null for `none`. Throws when bwrap mode is asked for and bwrap is missing. */
export function resolveSandbox(mode: SandboxMode, env: NodeJS.ProcessEnv = process.env): string | null {
  if (mode === 'none') return null;
  if (process.platform !== 'linux') {
    throw new SandboxUnavailableError(`bubblewrap sandboxes only run on Linux (this is ${process.platform}); set \`sandbox: none\` in gastown.yml only on a machine that holds no keys`);
  }
  const bwrap = findOnPath('bwrap', env.PATH);
  if (!bwrap) throw new SandboxUnavailableError(BWRAP_MISSING);
  return bwrap;
}
