// What the switcher learns from the latest eval: the best model per role and token band, and models that hallucinate.
import { z } from 'zod';
import { configSection, type RawConfig } from '../config/load.js';
import type { FleetConfig } from '../fleet/config.js';
import type { EvalResults } from './results-schema.js';
import { BAND_LIMITS, EvalKind, TokenBand } from './task-schema.js';
import { latestResults } from './results.js';

/** The `eval` section of gastown.yml. */
export const EvalConfig = z.strictObject({
  /** Guard hits per model call above which a model is marked hallucinatesTooMuch (0.25 = one answer in four). */
  guardHitThreshold: z.number().min(0).max(1).default(0.25),
  /** Whether the switcher reads the latest eval results at all. */
  feedback: z.boolean().default(true),
});
export type EvalConfig = z.infer<typeof EvalConfig>;

export function loadEvalConfig(raw: RawConfig): EvalConfig {
  return configSection(raw, 'eval', EvalConfig, {});
}

export function bandOf(promptTokens: number): TokenBand {
  return TokenBand.options.find((b) => promptTokens >= BAND_LIMITS[b][0] && promptTokens < BAND_LIMITS[b][1]) ?? 'large';
}

/** Models whose guard-hit rate (guard rejections per model call, any role) is above the threshold. */
export function hallucinatingModels(results: EvalResults, threshold: number): string[] {
  const out = new Set<string>();
  for (const model of new Set(results.runs.map((r) => r.model))) {
    const runs = results.runs.filter((r) => r.model === model);
    const calls = runs.reduce((n, r) => n + r.calls, 0);
    const hits = runs.reduce((n, r) => n + r.guardHits, 0);
    if (calls > 0 && hits / calls > threshold) out.add(model);
  }
  return [...out].sort();
}

/**
 * The model with the best pass rate for `role` in the band of `promptTokens` (Polecat scores per band; other roles
 * overall). Ties go to the cheaper model per passed task, then by name. Null when no model passed anything there.
 */
export function preferredModel(results: EvalResults, role: EvalKind, promptTokens: number): string | null {
  const band = bandOf(promptTokens);
  const ranked = results.scores
    .filter((s) => s.role === role)
    .map((s) => ({ s, rate: role === 'polecat' ? (s.passRateByBand[band]?.mean ?? null) : s.passRate.mean }))
    .filter((x): x is { s: (typeof x)['s']; rate: number } => x.rate !== null && x.rate > 0)
    .sort((a, b) => b.rate - a.rate || (a.s.costPerPassedTask ?? Infinity) - (b.s.costPerPassedTask ?? Infinity) || a.s.model.localeCompare(b.s.model));
  return ranked[0]?.s.model ?? null;
}

/** Token ranges the preference is decided for: the Polecat's three bands; one range for the other roles. */
const RANGES: Record<EvalKind, { lo: number; hi: number }[]> = {
  polecat: TokenBand.options.map((b) => ({ lo: BAND_LIMITS[b][0], hi: BAND_LIMITS[b][1] })),
  refinery: [{ lo: 0, hi: Infinity }],
  librarian: [{ lo: 0, hi: Infinity }],
};

/**
 * The fleet config with the eval's verdicts applied:
 * - catalog models over the guard-hit threshold get hallucinatesTooMuch (the switcher then uses their fallback);
 * - per role and token band, when the model with the best pass rate already has a local rule for that role that
 *   can take prompts of the band, but another model's rule would be tried first, a copy of its rule limited to the
 *   band is put in front. Models without a rule are never added: the fleet plan only runs what the rules name.
 */
export function applyEvalFeedback(fleet: FleetConfig, results: EvalResults | null, cfg: EvalConfig): FleetConfig {
  if (!results || !cfg.feedback) return fleet;
  const flagged = new Set(hallucinatingModels(results, cfg.guardHitThreshold));
  const catalog = fleet.catalog.map((m) => (flagged.has(m.name) ? { ...m, hallucinatesTooMuch: true } : m));
  const rules = [...fleet.switcher.rules];
  for (const role of EvalKind.options) {
    for (const { lo, hi } of RANGES[role]) {
      const preferred = preferredModel(results, role, lo);
      if (!preferred || flagged.has(preferred)) continue;
      const own = rules.find((r) => r.role === role && r.model === preferred && r.device !== 'cloud');
      // The model's own rule must allow the whole band (its server's context is sized from it).
      if (!own || (own.maxPromptTokens ?? Infinity) < (Number.isFinite(hi) ? hi : lo + 1)) continue;
      const first = rules.findIndex((r) => r.role === role && (r.maxPromptTokens ?? Infinity) > lo);
      if (first < 0 || rules[first]!.model === preferred) continue;
      const limit = Number.isFinite(hi) ? hi : own.maxPromptTokens;
      rules.splice(first, 0, { ...own, ...(limit !== undefined ? { maxPromptTokens: limit } : {}), why: `eval ${results.id}: best ${role} pass rate for prompts from ${lo} tokens` });
    }
  }
  return { ...fleet, catalog, switcher: { ...fleet.switcher, rules } };
}

/** Reads the latest results from the state folder and applies them (a no-op when there are none). */
export function fleetWithEvalFeedback(fleet: FleetConfig, raw: RawConfig, stateDir: string): FleetConfig {
  return applyEvalFeedback(fleet, latestResults(stateDir), loadEvalConfig(raw));
}
