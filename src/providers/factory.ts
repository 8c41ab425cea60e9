// Builds the provider for a role from the `providers` config and the environment (keys come from env).
import type { Logger } from 'pino';
import { ConfigError } from '../config/load.js';
import { createLogger } from '../util/logger.js';
import type { ProvidersConfig } from './config.js';
import { GeminiProvider } from './gemini.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';
import type { Sleep } from './retry.js';
import type { CallMeter } from './types.js';

export interface ProviderDeps {
  env?: NodeJS.ProcessEnv;
  meter?: CallMeter;
  logger?: Logger;
  sleep?: Sleep;
  random?: () => number;
}

/** The Gemini provider for a cloud role: Gemini 3 Pro with high thinking for the Mayor, Flash for the Crew by default. */
export function createCloudProvider(role: 'mayor' | 'crew', cfg: ProvidersConfig, deps: ProviderDeps = {}): GeminiProvider {
  const env = deps.env ?? process.env;
  const keyVar = cfg.gemini.apiKeyEnv;
  const apiKey = env[keyVar];
  if (!apiKey) {
    throw new ConfigError(`${keyVar} is not set: the ${role} runs on Gemini and needs an API key in that environment variable (providers.gemini.apiKeyEnv)`);
  }
  return new GeminiProvider({
    apiKey,
    model: cfg.gemini.models[role],
    thinking: cfg.gemini.thinking[role],
    baseUrl: cfg.gemini.baseUrl,
    timeoutMs: cfg.timeoutMs,
    retry: cfg.retry,
    meter: deps.meter,
    sleep: deps.sleep,
    random: deps.random,
    logger: deps.logger ?? createLogger(env),
    modelSetting: `providers.gemini.models.${role}`,
    keySetting: keyVar,
  });
}

/** A provider for a local llama-server model; `baseUrl` overrides the config (the runtime knows its port). */
export function createLocalProvider(model: string, cfg: ProvidersConfig, deps: ProviderDeps = {}, baseUrl?: string): OpenAICompatibleProvider {
  const env = deps.env ?? process.env;
  const keyVar = cfg.local.apiKeyEnv;
  if (keyVar && !env[keyVar]) {
    throw new ConfigError(`${keyVar} is not set but providers.local.apiKeyEnv names it as llama-server's API key`);
  }
  return new OpenAICompatibleProvider({
    baseUrl: baseUrl ?? cfg.local.baseUrl,
    model,
    apiKey: keyVar ? env[keyVar] : undefined,
    local: true,
    timeoutMs: cfg.timeoutMs,
    retry: cfg.retry,
    meter: deps.meter,
    sleep: deps.sleep,
    random: deps.random,
    logger: deps.logger ?? createLogger(env),
    baseUrlSetting: baseUrl ? 'the llama-server base URL' : 'providers.local.baseUrl',
    keySetting: keyVar ?? 'providers.local.apiKeyEnv',
  });
}
