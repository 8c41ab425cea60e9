// The router a real run uses: the switcher's rules per role and prompt size, the runtime's running servers, Gemini.
import type { Logger } from 'pino';
import type { Bead, Role } from '../../beads/schema.js';
import type { FleetConfig } from '../../fleet/config.js';
import { findModel } from '../../fleet/config-check.js';
import { estimatePromptTokens } from '../../fleet/prompt-tokens.js';
import type { ProvidersConfig } from '../../providers/config.js';
import { GeminiProvider } from '../../providers/gemini.js';
import type { ProviderDeps } from '../../providers/factory.js';
import { OpenAICompatibleProvider } from '../../providers/openai-compatible.js';
import type { ChatProvider } from '../../providers/types.js';
import { readServerEndpoints, readUnhealthyModels, readPressure } from '../../runtime/state-store.js';
import { METERED_HEADER, readFleetEndpoint } from '../../runtime/endpoint/state.js';
import { ConfigError } from '../../config/load.js';
import { GthError } from '../../util/errors.js';
import type { ModelChoice, ModelRouter } from './router.js';

export interface LiveRouterOptions {
  fleet: FleetConfig;
  providers: ProvidersConfig;
  stateDir: string;
  deps: ProviderDeps & { log?: Logger };
  /** While the runtime says the desktop needs VRAM back, local work waits: poll this often (ms, default 5000)... */
  pausePollMs?: number;
  /** ...and at most this long (ms, default 30 minutes) before giving up with an error. */
  maxPauseMs?: number;
}

/** A rung of a role's ladder: a catalog model on a running local server, or a cloud model. */
export interface Rung {
  model: string;
  device: 'gpu' | 'cpu' | 'cloud';
}

/** The models to try for a role and prompt size, in order: the switcher's rules, flagged models swapped, cloud last. */
export function ladderFor(role: Role, promptTokens: number, fleet: FleetConfig, unhealthy: ReadonlySet<string>): Rung[] {
  const s = fleet.switcher;
  const rungs: Rung[] = [];
  for (const rule of s.rules) {
    if (rule.role !== role) continue;
    if (rule.maxPromptTokens !== undefined && promptTokens > rule.maxPromptTokens) continue;
    if (rule.device === 'cloud') {
      rungs.push({ model: rule.model, device: 'cloud' });
      continue;
    }
    let model = findModel(fleet.catalog, rule.model);
    if (!model) continue;
    if ((model.hallucinatesTooMuch || unhealthy.has(model.name)) && model.fallback) model = findModel(fleet.catalog, model.fallback) ?? model;
    if (unhealthy.has(model.name)) continue;
    rungs.push({ model: model.name, device: rule.device });
  }
  if (!rungs.some((r) => r.device === 'cloud') && role !== 'mayor' && role !== 'crew') rungs.push({ model: s.cloudFallbackModel, device: 'cloud' });
  const seen = new Set<string>();
  return rungs.filter((r) => (seen.has(r.model) ? false : (seen.add(r.model), true)));
}

export class LiveRouter implements ModelRouter {
  private readonly cache = new Map<string, ChatProvider>();

  constructor(private readonly o: LiveRouterOptions) {}

  async choose(role: Role, step: number, bead?: Bead): Promise<ModelChoice | null> {
    const tokens = bead ? estimatePromptTokens(bead, this.o.fleet.switcher.prompt).tokens : this.o.fleet.switcher.prompt.roleBriefTokens;
    const unhealthy = new Set(Object.keys(readUnhealthyModels(this.o.stateDir)));
    const available = ladderFor(role, tokens, this.o.fleet, unhealthy)
      .map((r) => this.providerFor(role, r))
      .filter((p): p is ChatProvider => p !== null);
    const provider = available[step];
    if (provider?.local) await this.waitWhilePaused(role);
    return provider ? { provider, label: `${provider.local ? 'local' : 'cloud'}:${provider.model}` } : null;
  }

  /** The owner opened a game: new local work waits until the runtime's VRAM watch lifts the pause. */
  private async waitWhilePaused(role: Role): Promise<void> {
    const poll = this.o.pausePollMs ?? 5000;
    const max = this.o.maxPauseMs ?? 30 * 60_000;
    const sleep = this.o.deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let waited = 0;
    for (let p = readPressure(this.o.stateDir); p.paused; p = readPressure(this.o.stateDir)) {
      if (waited >= max) throw new GthError(`local work for the ${role} stayed paused for ${Math.round(waited / 1000)} s: ${p.reason ?? 'the desktop needs the VRAM'}`);
      if (waited === 0) this.o.deps.log?.info({ role, reason: p.reason }, 'local work paused by the VRAM watch; waiting');
      await sleep(poll);
      waited += poll;
    }
  }

  private providerFor(role: Role, rung: Rung): ChatProvider | null {
    const key = `${rung.device}:${rung.model}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    let provider: ChatProvider | null = null;
    if (rung.device === 'cloud') {
      const g = this.o.providers.gemini;
      const env = this.o.deps.env ?? process.env;
      const apiKey = env[g.apiKeyEnv];
      if (!apiKey) {
        if (role === 'mayor' || role === 'crew') throw new ConfigError(`${g.apiKeyEnv} is not set: the ${role} runs on Gemini (${rung.model}) and needs the key in that environment variable`);
        this.o.deps.log?.warn({ role, model: rung.model }, `${g.apiKeyEnv} is not set: no cloud fallback for ${role}`);
        return null;
      }
      provider = new GeminiProvider({
        apiKey,
        model: rung.model,
        thinking: role === 'mayor' || role === 'crew' ? g.thinking[role] : undefined,
        baseUrl: g.baseUrl,
        timeoutMs: this.o.providers.timeoutMs,
        retry: this.o.providers.retry,
        meter: this.o.deps.meter,
        sleep: this.o.deps.sleep,
        logger: this.o.deps.logger,
        keySetting: g.apiKeyEnv,
      });
    } else {
      // One routing path: while the fleet endpoint is up, every planned model goes through it (it loads and swaps).
      const fleet = readFleetEndpoint(this.o.stateDir, this.o.deps.env ?? process.env);
      const endpoint = fleet?.models.includes(rung.model)
        ? { id: 'fleet endpoint', baseUrl: fleet.baseUrl, apiKey: fleet.apiKey, headers: { [METERED_HEADER]: 'engine' } }
        : readServerEndpoints(this.o.stateDir).find((e) => e.model === rung.model);
      if (!endpoint) {
        this.o.deps.log?.info({ role, model: rung.model }, 'no running llama-server for this model (start it with gth runtime up); skipping');
        return null;
      }
      // The runtime generates the key per start; it is read from its 0600 state file, never from config.
      provider = new OpenAICompatibleProvider({
        baseUrl: endpoint.baseUrl,
        model: rung.model,
        apiKey: endpoint.apiKey,
        ...('headers' in endpoint ? { headers: endpoint.headers } : {}),
        local: true,
        device: rung.device,
        timeoutMs: this.o.providers.timeoutMs,
        retry: this.o.providers.retry,
        meter: this.o.deps.meter,
        sleep: this.o.deps.sleep,
        logger: this.o.deps.logger,
        baseUrlSetting: `the runtime's ${endpoint.id} server`,
      });
    }
    this.cache.set(key, provider);
    return provider;
  }
}
