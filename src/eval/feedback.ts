// What the switcher learns from the latest eval: the best model per role and token band, and models that hallucinate.
import { z } from 'zod';
import { configSection, type RawConfig } from '../config/load.js';
import type { FleetConfig } from '../fleet/config.js';
import type { EvalResults } from './results-schema.js';
import { BAND_LIMITS, TokenBand, type EvalKind } from './task-schema.js';
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

/**
 * The fleet config with the eval's verdicts applied: catalog models over the guard-hit threshold get
 * hallucinatesTooMuch (so the switcher uses their fallback), and the rules of each role are stably reordered so
 * a rule whose model is the preferred one for the rule's own token band comes first among rules for that band.
 */
export function applyEvalFeedback(fleet: FleetConfig, results: EvalResults | null, cfg: EvalConfig): FleetConfig {
  if (!results || !cfg.feedback) return fleet;
  const flagged = new Set(hallucinatingModels(results, cfg.guardHitThreshold));
  const catalog = fleet.catalog.map((m) => (flagged.has(m.name) ? { ...m, hallucinatesTooMuch: true } : m));
  const rules = [...fleet.switcher.rules];
  // Rules with the same role and token limit form a group; within the slots of a group, the preferred model moves first.
  const groups = new Map<string, number[]>();
  rules.forEach((r, i) => groups.set(`${r.role}:${r.maxPromptTokens ?? ''}`, [...(groups.get(`${r.role}:${r.maxPromptTokens ?? ''}`) ?? []), i]));
  for (const slots of groups.values()) {
    const first = rules[slots[0]!]!;
    if (first.role !== 'polecat' && first.role !== 'refinery' && first.role !== 'librarian') continue;
    const tokens = first.maxPromptTokens !== undefined ? Math.max(0, first.maxPromptTokens - 1) : BAND_LIMITS.large[0];
    const preferred = preferredModel(results, first.role, tokens);
    const members = slots.map((i) => fleet.switcher.rules[i]!);
    const ordered = [...members.filter((r) => r.model === preferred), ...members.filter((r) => r.model !== preferred)];
    slots.forEach((slot, k) => (rules[slot] = ordered[k]!));
  }
  return { ...fleet, catalog, switcher: { ...fleet.switcher, rules } };
}

/** Reads the latest results from the state folder and applies them (a no-op when there are none). */
export function fleetWithEvalFeedback(fleet: FleetConfig, raw: RawConfig, stateDir: string): FleetConfig {
  return applyEvalFeedback(fleet, latestResults(stateDir), loadEvalConfig(raw));
}
