// Puts a `godot` executable on a temp PATH that runs the GUT stand-in (Godot cannot be installed here).
import { chmodSync, mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const GUT_CHECKER = join(repoRoot, 'test', 'doubles', 'gut-checker.ts');
/** The sample GDScript rig; the eval task set ships it as its base rig, so tests use that one copy. */
export const AEROBEAT_MINI = join(repoRoot, 'eval', 'tasks', '_rigs', 'aerobeat-mini');

/** Folder holding an executable `godot` script; prepend it to PATH. */
export function makeGodotShim(): string {
  const bin = mkdtempSync(join(tmpdir(), 'godot-bin-'));
  const tsxPkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const loader = pathToFileURL(join(dirname(tsxPkg), 'dist', 'loader.mjs')).href;
  const script = join(bin, 'godot');
  writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "${GUT_CHECKER}" "$@"\n`);
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
