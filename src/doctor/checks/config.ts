// Doctor check: gastown.yml parses, has only known top-level keys, and every section validates.
import { loadRawConfig, ConfigError, type RawConfig } from '../../config/load.js';
import { loadFleetConfig } from '../../fleet/config.js';
import { loadProvidersConfig } from '../../providers/config.js';
import { loadCostConfig } from '../../cost/config.js';
import { loadEvalConfig } from '../../eval/feedback.js';
import { loadRuntimeSettings } from '../../runtime/config.js';
import { sandboxModeFromConfig } from '../../agents/rig/runner/mode.js';
import { errorMessage } from '../../util/errors.js';
import { ok, problem, type Check } from '../types.js';

const NAME = 'config';

export const checkConfig: Check = async ({ env, cwd }) => {
  let raw: RawConfig;
  try {
    raw = loadRawConfig(undefined, env, cwd);
  } catch (err) {
    return [problem(NAME, errorMessage(err), 'fix the file (or unset $GTH_CONFIG)')];
  }
  if (!raw.file) return [ok(NAME, 'no gastown.yml here: the built-in defaults are used')];
  const readers: (() => unknown)[] = [
    () => loadFleetConfig(raw, cwd),
    () => loadProvidersConfig(raw),
    () => loadCostConfig(raw),
    () => loadEvalConfig(raw),
    () => loadRuntimeSettings(raw, env, cwd),
    () => sandboxModeFromConfig(raw),
  ];
  const lines = new Set<string>();
  for (const read of readers) {
    try {
      read();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const line of err.message.split('\n')) lines.add(line);
    }
  }
  if (lines.size === 0) return [ok(NAME, `${raw.file}: every section is valid`)];
  return [problem(NAME, [...lines].join('; '), `edit ${raw.file} (config/*.yml show every key with its default)`)];
};
