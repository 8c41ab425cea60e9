// Loads `.gastown/rig.yml` from a rig folder; errors name the file and the field.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
  const data = parseYamlFile(file);
  const parsed = RigConfig.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error));
  return { root, file, config: parsed.data };
}
