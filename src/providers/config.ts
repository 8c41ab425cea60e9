// The `providers` section of gastown.yml: models per cloud role, local server URL, timeouts, retries.
import { z } from 'zod';
import { configSection, type RawConfig } from '../config/load.js';
import { RetryPolicy } from './retry.js';

const Thinking = z.enum(['minimal', 'low', 'medium', 'high']);

export const ProvidersConfig = z.strictObject({
  /** Per round trip; a long local generation on the CPU can take minutes. */
  timeoutMs: z.int().positive().default(600_000),
  retry: RetryPolicy.default(RetryPolicy.parse({})),
  gemini: z
    .strictObject({
      /** Name of the environment variable holding the key (never the key itself). */
      apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name').default('GEMINI_API_KEY'),
      baseUrl: z.url().optional(),
      models: z
        .strictObject({
          mayor: z.string().min(1).default('gemini-3-pro-preview'),
          crew: z.string().min(1).default('gemini-3-flash-preview'),
        })
        .default({ mayor: 'gemini-3-pro-preview', crew: 'gemini-3-flash-preview' }),
      // The Mayor plans with deep thinking; the Crew answers lookups and should not think long.
      thinking: z
        .strictObject({ mayor: Thinking.optional(), crew: Thinking.optional() })
        .default({ mayor: 'high', crew: 'low' }),
    })
    .default({
      apiKeyEnv: 'GEMINI_API_KEY',
      models: { mayor: 'gemini-3-pro-preview', crew: 'gemini-3-flash-preview' },
      thinking: { mayor: 'high', crew: 'low' },
    }),
  local: z
    .strictObject({
      baseUrl: z.url().default('http://127.0.0.1:8080/v1'),
      /** llama-server's --api-key, when one is set; names the variable, not the key. */
      apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name').optional(),
    })
    .default({ baseUrl: 'http://127.0.0.1:8080/v1' }),
});
export type ProvidersConfig = z.infer<typeof ProvidersConfig>;

export function loadProvidersConfig(raw: RawConfig): ProvidersConfig {
  return configSection(raw, 'providers', ProvidersConfig, {});
}
