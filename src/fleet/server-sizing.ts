// Finds the largest server shape (slots, experts kept in RAM) for a model that fits the VRAM and RAM budgets.
import type { ModelEntry } from './catalog-schema.js';
import type { HardwareProfile } from './hardware.js';
import { ramBudgetMiB, vramBudgetMiB } from './hardware.js';
import type { SwitcherConfig } from './switcher-schema.js';
import { estimateServer, moeLayerCount, type ServerEstimate, type ServerShape } from './estimator.js';

export interface Sized {
  shape: ServerShape;
  estimate: ServerEstimate;
}

export interface Misfit {
  /** Smallest shape tried (1 slot, every expert in RAM) and what it needs. */
  shape: ServerShape;
  estimate: ServerEstimate;
  vramMissMiB: number;
  ramMissMiB: number;
}

/** Flash attention: forced on when V is quantized (llama.cpp needs it for a quantized V cache). */
export function flashAttentionFor(s: SwitcherConfig): boolean {
  if (s.cacheTypeV !== 'f16') return true;
  return s.flashAttention === 'on';
}

export function roundCtx(tokens: number, trained: number): number {
  return Math.min(trained, Math.max(512, Math.ceil(tokens / 256) * 256));
}

/** Tries slots from `wantSlots` down to 1 and, for MoE models, experts in RAM from none to all. */
export function sizeServer(
  model: ModelEntry,
  device: 'gpu' | 'cpu',
  wantSlots: number,
  ctxPerSlot: number,
  s: SwitcherConfig,
  h: HardwareProfile,
): Sized | Misfit {
  const vramBudget = device === 'gpu' ? vramBudgetMiB(h) : 0;
  const ramBudget = ramBudgetMiB(h);
  const base = { device, ctxPerSlot, cacheTypeK: s.cacheTypeK, cacheTypeV: s.cacheTypeV, flashAttention: flashAttentionFor(s) };
  const maxMoe = device === 'gpu' ? moeLayerCount(model.arch) : 0;
  const top = device === 'cpu' ? 1 : Math.max(1, Math.min(wantSlots, s.maxSlotsPerServer));
  let last: Sized | undefined;
  for (let slots = top; slots >= 1; slots--) {
    for (let nCpuMoe = 0; nCpuMoe <= maxMoe; nCpuMoe++) {
      const shape: ServerShape = { ...base, slots, nCpuMoe };
      const estimate = estimateServer(model, shape, h.gpu.cudaOverheadMiB);
      last = { shape, estimate };
      if (estimate.vramMiB <= vramBudget && estimate.ramMiB <= ramBudget) return last;
    }
  }
  const est = last!.estimate;
  return { ...last!, vramMissMiB: Math.max(0, est.vramMiB - vramBudget), ramMissMiB: Math.max(0, est.ramMiB - ramBudget) };
}

export function isMisfit(x: Sized | Misfit): x is Misfit {
  return 'vramMissMiB' in x;
}
