// The sizer bisects the experts kept in RAM: it must pick exactly the shape a one-by-one search picks.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../../src/fleet/default-catalog.js';
import { estimateServer, moeLayerCount, type ServerShape } from '../../../src/fleet/estimator.js';
import { flashAttentionFor, flashAttnFlagFor, isMisfit, shapeThroughput, sizeServer, type Sized } from '../../../src/fleet/server-sizing.js';
import { ramBudgetMiB, vramBudgetMiB, type HardwareProfile } from '../../../src/fleet/hardware.js';
import type { ModelEntry } from '../../../src/fleet/catalog-schema.js';
import type { SwitcherConfig } from '../../../src/fleet/switcher-schema.js';
import { defaultConfig as fleetConfig } from './helpers.js';

/** The search as it was written first: every expert count from 0 up, per slot count. */
function sizeOneByOne(model: ModelEntry, wantSlots: number, ctxPerSlot: number, s: SwitcherConfig, h: HardwareProfile): Sized | null {
  const base = { device: 'gpu' as const, ctxPerSlot, cacheTypeK: s.cacheTypeK, cacheTypeV: s.cacheTypeV, flashAttention: flashAttentionFor(s), flashAttnFlag: flashAttnFlagFor(s), cacheRamMiB: s.cacheRamMiB };
  let best: { sized: Sized; rate: number } | undefined;
  for (let slots = Math.max(1, Math.min(wantSlots, s.maxSlotsPerServer)); slots >= 1; slots--) {
    for (let nCpuMoe = 0; nCpuMoe <= moeLayerCount(model.arch); nCpuMoe++) {
      const shape: ServerShape = { ...base, slots, nCpuMoe };
      const estimate = estimateServer(model, shape, h.gpu.cudaOverheadMiB);
      if (estimate.vramMiB <= vramBudgetMiB(h) && estimate.ramMiB <= ramBudgetMiB(h)) {
        const rate = shapeThroughput(model, shape, s, h);
        if (!best || rate > best.rate) best = { sized: { shape, estimate }, rate };
        break;
      }
    }
    if (best && moeLayerCount(model.arch) === 0) break;
  }
  return best?.sized ?? null;
}

describe('sizeServer', () => {
  it('picks the same shape as a one-by-one search, for every catalog model, slot count, context and VRAM size', () => {
    let moeShapes = 0;
    for (const vramMiB of [6144, 8192, 10240, 12288, 24576]) {
      for (const ramMiB of [32768, 131072]) {
        const cfg = fleetConfig({ hardware: { gpu: { vramMiB }, ramMiB, ramReserveMiB: 8192 } });
        for (const model of DEFAULT_CATALOG) {
          for (const wantSlots of [1, 3, 8]) {
            for (const ctx of [2048, 8192, 32768]) {
              const got = sizeServer(model, 'gpu', wantSlots, Math.min(ctx, model.arch.contextLength), cfg.switcher, cfg.hardware);
              const want = sizeOneByOne(model, wantSlots, Math.min(ctx, model.arch.contextLength), cfg.switcher, cfg.hardware);
              if (want === null) expect(isMisfit(got), `${model.name} ${vramMiB} MiB ${wantSlots} x ${ctx}`).toBe(true);
              else expect(got, `${model.name} ${vramMiB} MiB ${wantSlots} x ${ctx}`).toEqual(want);
              if (want && want.shape.nCpuMoe > 0) moeShapes++;
            }
          }
        }
      }
    }
    // Not vacuous: some chosen shapes keep experts in RAM, where bisection and the one-by-one walk could differ.
    expect(moeShapes).toBeGreaterThan(5);
  });

  it('a misfit reports the smallest shape: one slot, every expert in RAM', () => {
    const cfg = fleetConfig({ hardware: { gpu: { vramMiB: 2048, desktopReserveMiB: 1700, safetyMarginMiB: 0 } } });
    const moe = DEFAULT_CATALOG.find((m) => moeLayerCount(m.arch) > 0)!;
    const got = sizeServer(moe, 'gpu', 4, 4096, cfg.switcher, cfg.hardware);
    expect(isMisfit(got)).toBe(true);
    expect(got.shape).toMatchObject({ slots: 1, nCpuMoe: moeLayerCount(moe.arch) });
  });
});
