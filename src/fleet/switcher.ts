// Picks the model and device for one bead from its role and prompt size, following the switcher rules in order.
import type { Bead, Role } from '../beads/schema.js';
import type { Catalog, ModelEntry } from './catalog-schema.js';
import type { SwitcherConfig } from './switcher-schema.js';
import { findModel } from './config-check.js';

export type Choice =
  | { device: 'gpu' | 'cpu'; model: ModelEntry; reason: string }
  | { device: 'cloud'; modelName: string; reason: string };

/** The bead's role, or the one its type implies (tests -> Refinery, docs -> Librarian, code -> Polecat). */
export function roleOf(b: Pick<Bead, 'role' | 'type'>): Role {
  if (b.role) return b.role;
  if (b.type === 'test') return 'refinery';
  if (b.type === 'docs') return 'librarian';
  if (b.type === 'epic') return 'mayor';
  return 'polecat';
}

/**
 * First rule of the role whose prompt limit and model context hold the bead; cloud when none does.
 * `unhealthy` models (the runtime saw them crash repeatedly) go to their fallback like flagged ones.
 */
export function chooseModel(
  role: Role,
  promptTokens: number,
  s: SwitcherConfig,
  catalog: Catalog,
  unhealthy: ReadonlySet<string> = new Set(),
  /** Models that cannot fit the hardware profile: their rules are passed over for the next one. */
  noFit: ReadonlySet<string> = new Set(),
): Choice {
  const output = s.outputTokens[role] ?? 0;
  const skipped: string[] = [];
  for (const rule of s.rules) {
    if (rule.role !== role) continue;
    if (rule.maxPromptTokens !== undefined && promptTokens > rule.maxPromptTokens) continue;
    const why = rule.why ? `${rule.why}; ` : '';
    const size = `${promptTokens} prompt tokens`;
    if (rule.device === 'cloud') {
      const cap = rule.maxPromptTokens !== undefined ? ` (up to ${rule.maxPromptTokens})` : '';
      return { device: 'cloud', modelName: rule.model, reason: `${why || `a ${role} rule${cap} sends it to the cloud; `}${size}` };
    }
    let model = findModel(catalog, rule.model);
    if (!model) continue; // config-check reports unknown names before planning
    let swap = '';
    const flag = model.hallucinatesTooMuch ? 'is flagged as hallucinating too much' : unhealthy.has(model.name) ? 'is marked unhealthy by the runtime' : '';
    if (flag && model.fallback) {
      const fb = findModel(catalog, model.fallback);
      if (fb && fb.speed[rule.device]) {
        swap = `${model.name} ${flag}, using ${fb.name}; `;
        model = fb;
      }
    }
    if (noFit.has(`${rule.device}:${model.name}`)) {
      skipped.push(`${model.name} does not fit the ${rule.device.toUpperCase()} budget`);
      continue;
    }
    if (promptTokens + output > model.arch.contextLength) {
      skipped.push(`${model.name} trains on ${model.arch.contextLength} tokens`);
      continue;
    }
    return { device: rule.device, model, reason: `${why}${swap}${size}` };
  }
  const note = skipped.length ? ` (${skipped.join('; ')})` : '';
  return { device: 'cloud', modelName: s.cloudFallbackModel, reason: `no local rule holds ${promptTokens} prompt tokens${note}` };
}
