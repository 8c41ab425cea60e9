import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../../src/fleet/default-catalog.js';
import {
  estimateServer, kvBytes, kvBytesPerToken, weightSplit, SEED_KV_MIB_PER_TOKEN, MiB, cacheRowBytes, computeBufferBytes, type ServerShape,
} from '../../../src/fleet/estimator.js';

const model = (name: string) => {
  const m = DEFAULT_CATALOG.find((x) => x.name === name);
  if (!m) throw new Error(name);
  return m;
};

describe('KV bytes per token, computed by hand from the architecture numbers', () => {
  it('Qwen2.5-Coder-3B: 36 layers x 2 KV heads x (128 + 128) x 2 bytes', () => {
    const arch = model('Qwen2.5-Coder-3B-Instruct').arch;
    expect(kvBytesPerToken(arch, 'f16', 'f16')).toBe(36 * 2 * (128 + 128) * 2); // 36,864 B = 0.035 MiB, not 0.11
    // q8_0: 34 bytes per 32 values; q4_0: 18 bytes per 32 values.
    expect(kvBytesPerToken(arch, 'q8_0', 'q4_0')).toBe(36 * 2 * ((128 / 32) * 34 + (128 / 32) * 18));
  });

  it('Qwen2.5-Coder-7B: 28 layers x 4 KV heads x 256 x 2 bytes', () => {
    expect(kvBytesPerToken(model('Qwen2.5-Coder-7B-Instruct').arch)).toBe(28 * 4 * 256 * 2);
  });

  it('DeepSeek-Coder-V2-Lite: 27 layers x 16 heads x (K 192 + V 128) x 2 bytes', () => {
    expect(kvBytesPerToken(model('DeepSeek-Coder-V2-Lite-Instruct').arch)).toBe(27 * 16 * (192 + 128) * 2);
  });

  it('DeepSeek-R1-Distill-Qwen-32B: 64 layers x 8 KV heads x 256 x 2 bytes = exactly 0.25 MiB', () => {
    const bytes = kvBytesPerToken(model('DeepSeek-R1-Distill-Qwen-32B').arch);
    expect(bytes).toBe(64 * 8 * 256 * 2);
    expect(bytes / MiB).toBe(0.25);
  });

  it('SmolLM2-1.7B (no GQA): 24 layers x 32 heads x (64 + 64) x 2 bytes, q4_0 V cache', () => {
    const arch = model('SmolLM2-1.7B-Instruct').arch;
    expect(kvBytesPerToken(arch, 'f16', 'q4_0')).toBe(24 * 32 * (64 * 2 + (64 / 32) * 18));
  });

  it('Gemma 3 4B: only every 6th layer keeps the whole context, the rest keep the 1024-token window', () => {
    const arch = model('gemma-3-4b-it').arch;
    const perLayerToken = 4 * (256 + 256) * 2;
    // 34 layers: 5 global, 29 sliding; the sliding cache holds window + one 512-token micro-batch.
    expect(kvBytes(arch, 8192, 1, 'f16', 'f16')).toBe(perLayerToken * (5 * 8192 + 29 * (1024 + 512)));
    // Cells are padded to 256, as llama.cpp pads the context.
    expect(kvBytes(arch, 1000, 1, 'f16', 'f16')).toBe(perLayerToken * 34 * 1024);
  });

  it('Gemma 3 4B with slots: every slot keeps its own window (slots x min(per-slot ctx, window + ubatch))', () => {
    const arch = model('gemma-3-4b-it').arch;
    const perLayerToken = 4 * (256 + 256) * 2;
    // 4 slots x 2048: the old shared-window figure (one micro-batch for all slots) was 20-28% low.
    const four = kvBytes(arch, 4 * 2048, 4, 'f16', 'f16');
    expect(four).toBe(perLayerToken * 4 * (5 * 2048 + 29 * 1536));
    const shared = perLayerToken * (5 * 4 * 2048 + 29 * (4 * 1024 + 512));
    expect(four / shared).toBeGreaterThan(1.2);
    // A slot shorter than its window keeps only its own cells.
    expect(kvBytes(arch, 4 * 1024, 4, 'f16', 'f16')).toBe(perLayerToken * 4 * 34 * 1024);
  });

  it('rounds quantized rows up to whole blocks', () => {
    expect(cacheRowBytes('q8_0', 33)).toBe(68);
    expect(cacheRowBytes('q4_0', 32)).toBe(18);
    expect(cacheRowBytes('f16', 7)).toBe(14);
  });
});

describe('server estimate', () => {
  const shape = (over: Partial<ServerShape> = {}): ServerShape => ({
    device: 'gpu', slots: 4, ctxPerSlot: 6144, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true, nCpuMoe: 0, ...over,
  });

  it('puts the whole file on the GPU except the token embedding, which llama.cpp keeps in RAM', () => {
    const m = model('Qwen2.5-Coder-7B-Instruct');
    const e = estimateServer(m, shape(), 300);
    const split = weightSplit(m);
    expect(e.weightsVramMiB).toBeCloseTo(m.fileSizeMiB - split.embeddingBytes / MiB, 0);
    expect(e.weightsRamMiB).toBeCloseTo(split.embeddingBytes / MiB, 0);
    expect(e.vramMiB).toBeCloseTo(e.weightsVramMiB + e.kvMiB + e.computeMiB + 300, 0);
  });

  it('sizes KV for slots x context and prints the seed rule beside it', () => {
    const m = model('Qwen2.5-Coder-3B-Instruct');
    const e = estimateServer(m, shape(), 300);
    expect(e.kvMiB).toBeCloseTo((4 * 6144 * kvBytesPerToken(m.arch, 'q8_0', 'q4_0')) / MiB, 1);
    expect(e.seedRuleKvMiB).toBeCloseTo(4 * 6144 * SEED_KV_MIB_PER_TOKEN, 1);
    expect(e.kvMiB).toBeLessThan(e.seedRuleKvMiB / 5);
  });

  it('moves expert weights from VRAM to RAM one for one with --n-cpu-moe', () => {
    const m = model('Qwen3-Coder-30B-A3B-Instruct');
    const none = estimateServer(m, shape({ slots: 1 }), 300);
    const ten = estimateServer(m, shape({ slots: 1, nCpuMoe: 10 }), 300);
    const moved = none.weightsVramMiB - ten.weightsVramMiB;
    expect(moved).toBeGreaterThan(2000);
    expect(ten.weightsRamMiB - none.weightsRamMiB).toBeCloseTo(moved, 0);
    // 128 experts of 3 x 2048 x 768 dwarf the attention weights of a layer.
    expect(weightSplit(m).expertBytes[0]! / weightSplit(m).layerBytes[0]!).toBeGreaterThan(0.9);
  });

  it('sizes the compute buffer with one logit row per slot, not 512 x vocabulary', () => {
    const m = model('Qwen2.5-Coder-3B-Instruct');
    const e = estimateServer(m, shape({ slots: 8 }), 300);
    // 512 x 151,936 x 4 bytes alone would be 297 MiB; 8 rows are 4.6 MiB.
    expect(e.computeMiB).toBeLessThan(100);
    // A 64-slot server: 64 rows of logits, still far from 512 rows.
    const rows = (slots: number) => computeBufferBytes(m.arch, { slots, ctxPerSlot: 1024, flashAttention: true });
    expect(rows(64) - rows(1)).toBeLessThan(64 * 151936 * 4);
    expect(rows(64)).toBeGreaterThanOrEqual(64 * 151936 * 4);
  });

  it('costs more compute memory without flash attention: the KQ matrix per slot context, not the total', () => {
    const m = model('Qwen2.5-Coder-3B-Instruct');
    const fa = estimateServer(m, shape({ cacheTypeV: 'f16' }), 300);
    const noFa = estimateServer(m, shape({ cacheTypeV: 'f16', flashAttention: false }), 300);
    // KQ: 512 tokens x 6144 cells of the slot's stream x 16 heads x 4 bytes = 192 MiB.
    const kq = (512 * 6144 * 16 * 4) / MiB;
    expect(noFa.computeMiB - fa.computeMiB).toBeGreaterThan(kq * 0.6);
    expect(noFa.computeMiB - fa.computeMiB).toBeLessThan(kq * 1.1);
    // Twice the slots at the same per-slot context: same KQ scratch (llama-server keeps one KV stream per slot).
    const noFa8 = estimateServer(m, shape({ slots: 8, cacheTypeV: 'f16', flashAttention: false }), 300);
    expect(noFa8.computeMiB - noFa.computeMiB).toBeLessThan(4 * 151936 * 4 / MiB + 0.1);
  });

  it('counts the prompt cache in RAM: the --cache-ram cap, or llama-server\'s 8 GiB default when unset', () => {
    const m = model('Qwen2.5-Coder-3B-Instruct');
    const capped = estimateServer(m, shape({ cacheRamMiB: 1024 }), 300);
    const unset = estimateServer(m, shape(), 300);
    expect(capped.cacheRamMiB).toBe(1024);
    expect(unset.cacheRamMiB).toBe(8192);
    expect(unset.ramMiB - capped.ramMiB).toBeCloseTo(8192 - 1024, 1);
  });

  it('keeps CPU servers out of VRAM and counts the mmapped file in RAM', () => {
    const m = model('DeepSeek-R1-Distill-Qwen-32B');
    const e = estimateServer(m, shape({ device: 'cpu', slots: 1, ctxPerSlot: 8192 }), 300);
    expect(e.vramMiB).toBe(0);
    expect(e.ramMiB).toBeGreaterThan(m.fileSizeMiB + e.kvMiB);
  });
});
