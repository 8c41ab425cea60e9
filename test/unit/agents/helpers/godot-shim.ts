// Puts a `godot` executable on a temp PATH that runs the GUT stand-in (Godot cannot be installed here).
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const GUT_CHECKER = join(repoRoot, 'test', 'doubles', 'gut-checker.ts');
/** The sample GDScript rig; the eval task set ships it as its base rig, so tests use that one copy. */
export const AEROBEAT_MINI = join(repoRoot, 'eval', 'tasks', '_rigs', 'aerobeat-mini');

/**
 * Folder holding an executable `godot` script; prepend it to PATH. The GUT stand-in is compiled to plain JavaScript
 * beside it once, so each run is a bare `node` start: rig commands run in a sandbox with a fresh /tmp, where a
 * TypeScript loader's compile cache would be cold every time.
 */
export function makeGodotShim(): string {
  const bin = mkdtempSync(join(tmpdir(), 'godot-bin-'));
  const checker = join(bin, 'gut-checker.mjs');
  writeFileSync(checker, transformSync(readFileSync(GUT_CHECKER, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' }).code);
  const script = join(bin, 'godot');
  writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${checker}" "$@"\n`);
  chmodSync(script, 0o755);
  return bin;
}

export function envWithShim(bin: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: `${bin}:${env.PATH ?? ''}` };
}

/** A fresh copy of the sample rig in a temp dir, safe to mutate. */
export function copyAerobeatMini(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'rig-')), 'aerobeat-mini');
  cpSync(AEROBEAT_MINI, dir, { recursive: true });
  return dir;
}
