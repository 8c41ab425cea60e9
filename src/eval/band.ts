// The prompt size of a Polecat task as the engine will build it (brief + bead + assembled context), for its token band.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer';
import type { Role } from '../beads/schema.js';
import { assembleContext, renderContext } from '../agents/engine/context.js';
import { loadRigConfig, type LoadedRig } from '../agents/rig/load.js';
import { beadText } from '../fleet/prompt-tokens.js';
import { BAND_LIMITS, type TokenBand } from './task-schema.js';
import { materializeRig, type EvalTask } from './tasks.js';

/** Tokens of the fixed instructions around the context in the Polecat's task message. */
const INSTRUCTION_TOKENS = 90;

export function estimateTaskPromptTokens(task: EvalTask, brief: (role: Role, rig: LoadedRig) => string, contextBudget: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'gth-eval-band-'));
  try {
    const rigDir = materializeRig(task, join(dir, 'rig'));
    const rig = loadRigConfig(rigDir);
    const b = task.spec.bead;
    const bead = { title: b.title, description: b.description, acceptance: b.acceptance, files: b.files };
    const ctx = assembleContext(rigDir, bead as Parameters<typeof assembleContext>[1], contextBudget, rig.config.tests.dirs);
    return countTokens(brief(task.spec.kind, rig)) + countTokens(beadText(bead)) + countTokens(renderContext(ctx)) + INSTRUCTION_TOKENS;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function inBand(tokens: number, band: TokenBand): boolean {
  const [lo, hi] = BAND_LIMITS[band];
  return tokens >= lo && tokens < hi;
}
