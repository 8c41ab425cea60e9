// Finds the largest server shape (slots, experts kept in RAM) for a model that fits the VRAM and RAM budgets.
import type { ModelEntry } from './catalog-schema.js';
import type { HardwareProfile } from './hardware.js';
import { ramBudgetMiB, vramBudgetMiB } from './hardware.js';
import type { SwitcherConfig } from './switcher-schema.js';
import { estimateServer, moeLayerCount, type ServerEstimate, type ServerShape } from './estimator.js';
import { derivedGen } from './speed.js';

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

/**
 * Flash attention as estimated: on unless the config says off. `auto` is passed through as `--flash-attn auto`;
 * llama.cpp then enables it on devices that support it (CPU and CUDA) and always for a quantized V cache.
 */
export function flashAttentionFor(s: SwitcherConfig): boolean {
  if (s.cacheTypeV !== 'f16') return true;
  return s.flashAttention !== 'off';
}

/** The --flash-attn value: `on` when a quantized V cache needs it and the config says off, else the config's. */
export function flashAttnFlagFor(s: SwitcherConfig): 'on' | 'off' | 'auto' {
  if (s.cacheTypeV !== 'f16' && s.flashAttention === 'off') return 'on';
  return s.flashAttention;
}

export function roundCtx(tokens: number, trained: number): number {
  return Math.min(trained, Math.max(512, Math.ceil(tokens / 256) * 256));
}

/** Aggregate decode tokens/s of a shape: slots x derived per-slot speed, each doubling of slots keeping `efficiency`. */
export function shapeThroughput(model: ModelEntry, shape: ServerShape, s: SwitcherConfig, h: HardwareProfile): number {
  return shape.slots * derivedGen(model, shape.device, shape.nCpuMoe, h) * Math.pow(s.parallelEfficiency, Math.log2(shape.slots));
}

/**
 * For each slot count from `wantSlots` down to 1, the fewest experts in RAM that fit (MoE only); of those
 * shapes the one with the highest aggregate decode throughput wins, so keeping experts on the GPU can beat
 * adding slots. Misfit when nothing fits.
 */
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
  const base = { device, ctxPerSlot, cacheTypeK: s.cacheTypeK, cacheTypeV: s.cacheTypeV, flashAttention: flashAttentionFor(s), flashAttnFlag: flashAttnFlagFor(s), cacheRamMiB: s.cacheRamMiB };
  const maxMoe = device === 'gpu' ? moeLayerCount(model.arch) : 0;
  const top = device === 'cpu' ? 1 : Math.max(1, Math.min(wantSlots, s.maxSlotsPerServer));
  let best: { sized: Sized; rate: number } | undefined;
  const at = (slots: number, nCpuMoe: number): Sized => {
    const shape: ServerShape = { ...base, slots, nCpuMoe };
    return { shape, estimate: estimateServer(model, shape, h.gpu.cudaOverheadMiB) };
  };
  for (let slots = top; slots >= 1; slots--) {
    // Each expert layer moved to RAM lowers VRAM and raises RAM, so the fewest experts in RAM that fit VRAM is
    // found by bisection, and if RAM does not hold that shape it holds none with more experts in RAM.
    let lo = 0;
    let hi = maxMoe;
    let fit = at(slots, hi);
    if (fit.estimate.vramMiB <= vramBudget) {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const tried = at(slots, mid);
        if (tried.estimate.vramMiB <= vramBudget) {
          hi = mid;
          fit = tried;
        } else lo = mid + 1;
      }
    }
    if (fit.estimate.vramMiB <= vramBudget && fit.estimate.ramMiB <= ramBudget) {
      const rate = shapeThroughput(model, fit.shape, s, h);
      if (!best || rate > best.rate) best = { sized: fit, rate };
    }
    // Dense models: the most slots that fit always has the highest aggregate throughput.
    if (best && maxMoe === 0) break;
  }
  if (best) return best.sized;
  const last = at(1, maxMoe);
  const est = last.estimate;
  return { ...last, vramMissMiB: Math.max(0, est.vramMiB - vramBudget), ramMissMiB: Math.max(0, est.ramMiB - ramBudget) };
}

export function isMisfit(x: Sized | Misfit): x is Misfit {
  return 'vramMissMiB' in x;
}
