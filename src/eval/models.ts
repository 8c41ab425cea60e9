// Resolves the models to evaluate: catalog names on the runtime's running servers, or cloud (Gemini) models.
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { ModelChoice } from '../agents/engine/router.js';
import type { FleetConfig } from '../fleet/config.js';
import { findModel } from '../fleet/config-check.js';
import type { ProvidersConfig } from '../providers/config.js';
import type { ProviderDeps } from '../providers/factory.js';
import { GeminiProvider } from '../providers/gemini.js';
import { OpenAICompatibleProvider } from '../providers/openai-compatible.js';
import { isAlive, readJson, readServerStates, runtimeDir } from '../runtime/state-store.js';
import { sha256File } from '../runtime/preflight.js';
import { UsageError } from '../util/errors.js';
import { MeasuredProvider } from './measure.js';
import type { ModelInfo } from './results-schema.js';

export interface EvalModel {
  name: string;
  choice: ModelChoice & { provider: MeasuredProvider };
  info: ModelInfo;
}

export interface ResolveOptions {
  fleet: FleetConfig;
  providers: ProvidersConfig;
  stateDir: string;
  modelsDir: string;
  deps: ProviderDeps & { log?: Logger };
  env?: NodeJS.ProcessEnv;
}

const HashCache = z.record(z.string(), z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() }));

/** sha256 of a model file, from the runtime's hash cache when size and mtime still match; null when absent. */
export async function modelFileSha256(path: string | null, stateDir: string): Promise<string | null> {
  if (!path || !existsSync(path) || !statSync(path).isFile()) return null;
  const st = statSync(path);
  let cache: z.infer<typeof HashCache> = {};
  try {
    cache = readJson(join(runtimeDir(stateDir), 'sha256-cache.json'), HashCache) ?? {};
  } catch {
    cache = {};
  }
  const hit = cache[path];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  return sha256File(path);
}

const ready = (s: { status: string; pid: number | null }): boolean => s.status === 'ready' && s.pid !== null && isAlive(s.pid);

/** Names of the models the runtime is serving now (the default model set). */
export function runningModels(stateDir: string): string[] {
  return [...new Set(readServerStates(stateDir).filter(ready).map((s) => s.model))].sort();
}

/**
 * A catalog model must be on a running, ready server (start it with `gth runtime up`); any other name is taken as a
 * Gemini model and needs the API key. Unknown or unreachable names are all reported in one error.
 */
export async function resolveModels(names: string[], o: ResolveOptions): Promise<EvalModel[]> {
  const env = o.env ?? process.env;
  const states = readServerStates(o.stateDir);
  const problems: string[] = [];
  const out: EvalModel[] = [];
  for (const name of names) {
    const entry = findModel(o.fleet.catalog, name);
    const state = states.find((s) => ready(s) && s.model === (entry?.name ?? name));
    if (state) {
      const inner = new OpenAICompatibleProvider({
        baseUrl: `${state.url}/v1`,
        model: state.model,
        apiKey: state.apiKey,
        local: true,
        timeoutMs: o.providers.timeoutMs,
        retry: o.providers.retry,
        meter: o.deps.meter,
        sleep: o.deps.sleep,
        logger: o.deps.logger,
        baseUrlSetting: `the runtime's ${state.id} server`,
      });
      const file = existsSync(state.modelPath) ? state.modelPath : entry ? join(o.modelsDir, entry.file) : null;
      const sha256 = await modelFileSha256(file, o.stateDir);
      const provider = new MeasuredProvider(inner);
      out.push({
        name: state.model,
        choice: { provider, label: `local:${state.model}` },
        info: { name: state.model, label: `local:${state.model}`, file: file ? basename(file) : null, sha256, note: sha256 ? '' : 'model file not found: no sha256' },
      });
      continue;
    }
    if (entry) {
      problems.push(`--models: ${name} is in the catalog but no ready llama-server runs it (start it with: gth runtime up)`);
      continue;
    }
    const g = o.providers.gemini;
    const apiKey = env[g.apiKeyEnv];
    if (!apiKey) {
      problems.push(`--models: ${name} is not in the catalog, so it is taken as a Gemini model, but ${g.apiKeyEnv} is not set`);
      continue;
    }
    const provider = new MeasuredProvider(
      new GeminiProvider({ apiKey, model: name, baseUrl: g.baseUrl, timeoutMs: o.providers.timeoutMs, retry: o.providers.retry, meter: o.deps.meter, sleep: o.deps.sleep, logger: o.deps.logger, keySetting: g.apiKeyEnv }),
    );
    out.push({ name, choice: { provider, label: `cloud:${name}` }, info: { name, label: `cloud:${name}`, file: null, sha256: null, note: 'cloud model: no local file' } });
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  return out;
}
