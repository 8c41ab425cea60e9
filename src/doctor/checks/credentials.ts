// Doctor check: GitHub App and Gemini credentials are present (only presence and shape; secrets are never printed).
import { loadRawConfig } from '../../config/load.js';
import { AppConfigError, readAppConfig } from '../../github/config.js';
import { ProvidersConfig } from '../../providers/config.js';
import { configSection } from '../../config/load.js';
import { errorMessage } from '../../util/errors.js';
import { ok, problem, type Check, type CheckResult } from '../types.js';

export const checkCredentials: Check = async ({ env, cwd }) => {
  const out: CheckResult[] = [];
  try {
    const cfg = readAppConfig(env, cwd);
    out.push(ok('github app', `APP_ID ${cfg.appId}, private key from ${env.PRIVATE_KEY ? 'PRIVATE_KEY' : 'PRIVATE_KEY_PATH'}, webhook secret set`));
  } catch (err) {
    const detail = err instanceof AppConfigError ? err.problems.join('; ') : errorMessage(err);
    out.push(problem('github app', detail, 'put APP_ID, PRIVATE_KEY_PATH and WEBHOOK_SECRET in the app env file (runner-setup/README.md, "Register the GitHub App")'));
  }
  let keyEnv = 'GEMINI_API_KEY';
  try {
    keyEnv = configSection(loadRawConfig(undefined, env, cwd), 'providers', ProvidersConfig, {}).gemini.apiKeyEnv;
  } catch (err) {
    out.push(problem('gemini key', `cannot read the providers config: ${errorMessage(err)}`, 'fix gastown.yml (gth config errors name the field)'));
    return out;
  }
  const key = env[keyEnv]?.trim();
  out.push(
    key
      ? ok('gemini key', `${keyEnv} is set (${key.length} characters)`)
      : problem('gemini key', `${keyEnv} is not set`, `create a key at https://aistudio.google.com/apikey and export ${keyEnv} (app env file and runner secrets)`),
  );
  return out;
};
