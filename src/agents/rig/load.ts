// Loads `.gastown/rig.yml` from a rig folder or from a trusted git ref; errors name the file (or ref:path) and the field.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError, formatIssues, parseYamlFile } from '../../config/load.js';
import { RigConfig } from './schema.js';

export const RIG_CONFIG_PATH = join('.gastown', 'rig.yml');

export interface LoadedRig {
  root: string;
  file: string;
  config: RigConfig;
}

export function loadRigConfig(rigDir: string): LoadedRig {
  const root = resolve(rigDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new ConfigError(`rig path ${root} is not a folder`);
  const file = join(root, RIG_CONFIG_PATH);
  if (!existsSync(file)) throw new ConfigError(`${file}: rig config not found (every rig needs ${RIG_CONFIG_PATH})`);
  return { root, file, config: validRigConfig(parseYamlFile(file), file) };
}

function validRigConfig(data: unknown, where: string): RigConfig {
  const parsed = RigConfig.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatIssues(where, parsed.error));
  return parsed.data;
}

/** A file's text at a git revision, or null when it is not there (e.g. RigGit.show bound to a folder). */
export type ShowAtRef = (ref: string, path: string) => Promise<string | null>;

/**
 * rig.yml as committed at `ref` (the convoy branch or the default branch), never the copy in a checkout under test:
 * a change cannot swap the test command that judges it. `root` is the checkout the tests then run in.
 */
export async function loadRigConfigAtRef(show: ShowAtRef, ref: string, root: string): Promise<LoadedRig> {
  const path = RIG_CONFIG_PATH.split('\\').join('/');
  const where = `${ref}:${path}`;
  const text = await show(ref, path);
  if (text === null) throw new ConfigError(`${where}: rig config not found at ${ref} (every rig needs ${path})`);
  let data: unknown;
  try {
    data = yaml.load(text, { filename: where });
  } catch (err) {
    throw new ConfigError(`${where}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  return { root: resolve(root), file: where, config: validRigConfig(data ?? {}, where) };
}
