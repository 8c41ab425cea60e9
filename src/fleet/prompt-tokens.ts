// Estimates a bead's prompt size: role brief + rig README + bead text + referenced files and their tests, plus a margin.
import { countTokens } from './tokenizer.js';
import type { Bead } from '../beads/schema.js';
import { beadText } from '../beads/text.js';
import type { SwitcherConfig } from './switcher-schema.js';

/** Token counts already taken from a rig checkout (see rig-context.ts); null means "not known here". */
export interface RigTokens {
  readmeTokens: number | null;
  /** Tokens of a referenced file plus the tests that go with it, or null when the file is not in the rig. */
  fileTokens(path: string): number | null;
}

export interface PromptEstimate {
  tokens: number;
  parts: { brief: number; readme: number; bead: number; files: number; margin: number };
}

export { beadText };

export function estimatePromptTokens(
  bead: Pick<Bead, 'title' | 'description' | 'acceptance' | 'files' | 'tokenEstimate'>,
  cfg: SwitcherConfig['prompt'],
  rig?: RigTokens,
  count: (text: string) => number = countTokens,
): PromptEstimate {
  return promptEstimate(bead, count(beadText(bead)), cfg, rig);
}

/** The estimate from the bead's own text tokens, counted by the caller (a re-plan takes them from a cache by key). */
export function promptEstimate(bead: Pick<Bead, 'files' | 'tokenEstimate'>, text: number, cfg: SwitcherConfig['prompt'], rig?: RigTokens): PromptEstimate {
  const brief = cfg.roleBriefTokens;
  const readme = rig?.readmeTokens ?? cfg.rigReadmeTokens;
  let files = 0;
  if (rig) for (const f of bead.files) files += rig.fileTokens(f) ?? 0;
  const sum = brief + readme + text + files;
  const margin = Math.ceil((sum * cfg.marginPercent) / 100);
  // A Mayor-provided estimate can only raise ours: it may know about context we cannot see.
  const tokens = Math.max(sum + margin, bead.tokenEstimate ?? 0);
  return { tokens, parts: { brief, readme, bead: text, files, margin } };
}
