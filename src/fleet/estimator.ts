// Pure memory estimator for one llama-server: weights per offloaded layer, KV cache, compute buffer, CUDA overhead.
import type { CacheType } from './plan-schema.js';
import type { Architecture, ModelEntry } from './catalog-schema.js';

export const MiB = 1024 * 1024;

/** The seed's rule of thumb for KV memory; printed beside the computed figure, never used to plan. */
export const SEED_KV_MIB_PER_TOKEN = 0.11;

/** ggml block layouts: f16 is 2 bytes per element; q8_0 stores 32 values in 34 bytes, q4_0 in 18. */
export const CACHE_BLOCKS: Record<CacheType, { elements: number; bytes: number }> = {
  f16: { elements: 1, bytes: 2 },
  q8_0: { elements: 32, bytes: 34 },
  q4_0: { elements: 32, bytes: 18 },
};

/** Bits per weight of the token embedding and output tensors for common file quant mixes. */
const EDGE_BITS: Record<string, { embedding: number; output: number }> = {
  Q4_K_M: { embedding: 4.5, output: 6.5625 },
  Q4_K_S: { embedding: 4.5, output: 6.5625 },
  Q4_0: { embedding: 4.5, output: 6.5625 },
  Q5_K_M: { embedding: 5.5, output: 6.5625 },
  Q6_K: { embedding: 6.5625, output: 6.5625 },
  Q8_0: { embedding: 8.5, output: 8.5 },
  F16: { embedding: 16, output: 16 },
};

/** llama-server's default micro-batch; the compute buffer scales with it. */
export const UBATCH = 512;
/** Host memory of any llama-server process besides weights and caches (HTTP, tokenizer, buffers). */
export const PROCESS_RAM_MiB = 256;

export function cacheRowBytes(type: CacheType, elements: number): number {
  const b = CACHE_BLOCKS[type];
  return Math.ceil(elements / b.elements) * b.bytes;
}

/** KV bytes one token costs in one layer. */
export function kvBytesPerTokenPerLayer(arch: Architecture, k: CacheType, v: CacheType): number {
  return arch.kvHeads * (cacheRowBytes(k, arch.keyLength) + cacheRowBytes(v, arch.valueLength));
}

/** KV bytes per token over all layers (what a full-attention model pays for every token of context). */
export function kvBytesPerToken(arch: Architecture, k: CacheType = 'f16', v: CacheType = 'f16'): number {
  return arch.layers * kvBytesPerTokenPerLayer(arch, k, v);
}

/** Layers that attend to the whole context; the others keep only their sliding window. */
export function globalLayers(arch: Architecture): number {
  if (!arch.slidingWindow) return arch.layers;
  return Math.floor(arch.layers / arch.slidingWindow.pattern);
}

/** llama.cpp pads every KV stream (and the context) to 256 cells. */
export const KV_PAD = 256;
const pad = (x: number, to: number): number => Math.ceil(x / to) * to;

/**
 * KV bytes for `totalTokens` of context shared by `slots` sequences. llama-server with an explicit --parallel
 * keeps one KV stream per slot (kv_unified = false), each of pad256(total / slots) cells; a sliding-window layer's
 * stream holds pad256(min(per-slot ctx, window + ubatch)) cells (llama-kv-cache-iswa.cpp), so SWA grows with slots.
 */
export function kvBytes(arch: Architecture, totalTokens: number, slots: number, k: CacheType, v: CacheType): number {
  const perLayer = kvBytesPerTokenPerLayer(arch, k, v);
  const global = globalLayers(arch);
  const sliding = arch.layers - global;
  const streams = Math.max(1, slots);
  const perSlot = pad(Math.ceil(totalTokens / streams), KV_PAD);
  const slidingPerSlot = arch.slidingWindow ? pad(Math.min(perSlot, arch.slidingWindow.size + UBATCH), KV_PAD) : 0;
  return perLayer * streams * (global * perSlot + sliding * slidingPerSlot);
}

/** Parameter counts of one layer, used to split the file's bytes between attention, experts and dense FFN. */
function layerParams(arch: Architecture, moeLayer: boolean): { total: number; routed: number } {
  const h = arch.embeddingLength;
  const attn = h * arch.headCount * arch.keyLength + h * arch.kvHeads * (arch.keyLength + arch.valueLength) + arch.headCount * arch.valueLength * h;
  if (!moeLayer || !arch.moe) return { total: attn + 3 * h * arch.feedForwardLength, routed: 0 };
  const m = arch.moe;
  const routed = m.count * 3 * h * m.feedForwardLength;
  return { total: attn + routed + m.shared * 3 * h * m.feedForwardLength + h * m.count, routed };
}

export function isMoeLayer(arch: Architecture, layer: number): boolean {
  return !!arch.moe && layer >= arch.moe.leadingDenseLayers;
}

export interface WeightSplit {
  embeddingBytes: number;
  /** Output head on the GPU (a duplicate of the embedding when they are tied). */
  outputBytes: number;
  /** Bytes of each repeating layer, experts included. */
  layerBytes: number[];
  /** Bytes of the routed experts in each layer (0 for dense layers). */
  expertBytes: number[];
}

const splits = new WeakMap<ModelEntry, Readonly<WeightSplit>>();

/**
 * Splits the GGUF file size over embedding, output head and layers in proportion to parameter counts. Kept per
 * catalog entry (the sizer estimates hundreds of shapes of one model): the result is shared, never change it.
 */
export function weightSplit(model: ModelEntry): Readonly<WeightSplit> {
  let split = splits.get(model);
  if (!split) splits.set(model, (split = computeWeightSplit(model)));
  return split;
}

function computeWeightSplit(model: ModelEntry): WeightSplit {
  const { arch } = model;
  const bits = EDGE_BITS[model.quant.toUpperCase()] ?? { embedding: 4.5, output: 6.5625 };
  // llama-quantize gives a tied embedding the output head's type (it is the output head too).
  const embeddingBits = arch.tiedEmbeddings ? bits.output : bits.embedding;
  const embeddingBytes = (arch.vocabSize * arch.embeddingLength * embeddingBits) / 8;
  const untiedOutput = arch.tiedEmbeddings ? 0 : (arch.vocabSize * arch.embeddingLength * bits.output) / 8;
  const layersTotal = Math.max(0, model.fileSizeMiB * MiB - embeddingBytes - untiedOutput);
  const params = Array.from({ length: arch.layers }, (_, i) => layerParams(arch, isMoeLayer(arch, i)));
  const paramSum = params.reduce((s, p) => s + p.total, 0);
  const perParam = layersTotal / paramSum;
  return {
    embeddingBytes,
    outputBytes: arch.tiedEmbeddings ? embeddingBytes : untiedOutput,
    layerBytes: params.map((p) => p.total * perParam),
    expertBytes: params.map((p) => p.routed * perParam),
  };
}

/**
 * Compute buffer, sized like llama.cpp's sched_reserve: the worst-case graph for one micro-batch of
 * n = min(ubatch, ctx) tokens over n_seq = slots streams, with n_outputs = min(n, slots) logit rows (not n x vocab).
 * The graph allocator keeps the inputs (attention mask per stream) alive and reuses the rest, so the peak is
 * the inputs plus the larger of the attention step and the FFN step, or the output step at the end.
 * Without flash attention the KQ matrix is n x per-slot KV cells x heads (per stream, not the total -c).
 */
export function computeBufferBytes(arch: Architecture, shape: Pick<ServerShape, 'slots' | 'ctxPerSlot' | 'flashAttention'>): number {
  const slots = Math.max(1, shape.slots);
  const perSlot = pad(shape.ctxPerSlot, KV_PAD);
  const n = Math.min(UBATCH, slots * perSlot);
  const nOut = Math.min(n, slots);
  const h = arch.embeddingLength;
  const f32 = 4;
  // KV cells one token attends to in the reserve graph: the whole stream of a global layer.
  const nKv = perSlot;
  const mask = n * nKv * f32 + (shape.flashAttention ? n * nKv * 2 : 0) + (arch.slidingWindow ? n * Math.min(nKv, arch.slidingWindow.size + UBATCH) * f32 : 0);
  const residual = 2 * n * h * f32;
  const q = n * arch.headCount * arch.keyLength * f32;
  const kqv = n * arch.headCount * arch.valueLength * f32;
  const attention = shape.flashAttention ? q + kqv : q + n * nKv * arch.headCount * f32 + kqv;
  let ffn: number;
  if (arch.moe) {
    const m = arch.moe;
    const experts = 3 * n * m.used * m.feedForwardLength * f32 + n * m.used * h * f32 + 2 * n * m.count * f32;
    const shared = m.shared ? 2 * n * m.shared * m.feedForwardLength * f32 : 0;
    ffn = Math.max(experts + shared, 3 * n * arch.feedForwardLength * f32 * (m.leadingDenseLayers ? 1 : 0));
  } else {
    ffn = 3 * n * arch.feedForwardLength * f32;
  }
  const output = nOut * arch.vocabSize * f32 + n * h * f32;
  return mask + Math.max(residual + Math.max(attention, ffn), output);
}

export interface ServerShape {
  device: 'gpu' | 'cpu';
  slots: number;
  ctxPerSlot: number;
  cacheTypeK: CacheType;
  cacheTypeV: CacheType;
  flashAttention: boolean;
  /** MoE layers (from the first) whose routed experts stay in RAM. */
  nCpuMoe: number;
  /** What --flash-attn says; `auto` lets llama.cpp switch it on where the device supports it (CPU and CUDA do). */
  flashAttnFlag?: 'on' | 'off' | 'auto';
  /** --cache-ram: host RAM cap of the server's prompt cache (llama-server's default is 8192 MiB, counted when unset). */
  cacheRamMiB?: number;
}

/** llama-server keeps up to this much host RAM of cached prompts unless --cache-ram says otherwise. */
export const LLAMA_DEFAULT_CACHE_RAM_MiB = 8192;

export interface ServerEstimate {
  weightsVramMiB: number;
  weightsRamMiB: number;
  kvMiB: number;
  computeMiB: number;
  overheadMiB: number;
  /** Prompt cache in host RAM (--cache-ram), included in ramMiB. */
  cacheRamMiB: number;
  vramMiB: number;
  ramMiB: number;
  /** Computed KV cost per token with the chosen cache types. */
  kvMiBPerToken: number;
  /** Same with an f16 cache, for comparison with the seed's rule. */
  kvMiBPerTokenF16: number;
  /** What the seed's 0.11 MiB/token rule would have reserved for this context. */
  seedRuleKvMiB: number;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Memory of one llama-server with the given shape; GPU servers offload every layer and the output head. */
export function estimateServer(model: ModelEntry, shape: ServerShape, cudaOverheadMiB: number): ServerEstimate {
  const { arch } = model;
  const total = shape.slots * shape.ctxPerSlot;
  const split = weightSplit(model);
  const kv = kvBytes(arch, total, shape.slots, shape.cacheTypeK, shape.cacheTypeV) / MiB;
  const compute = computeBufferBytes(arch, shape) / MiB;
  const cacheRam = shape.cacheRamMiB ?? LLAMA_DEFAULT_CACHE_RAM_MiB;
  const layersSum = split.layerBytes.reduce((s, b) => s + b, 0);
  let cpuExperts = 0;
  for (let i = 0, moe = 0; i < arch.layers && moe < shape.nCpuMoe; i++) {
    if (split.expertBytes[i]! > 0) {
      cpuExperts += split.expertBytes[i]!;
      moe++;
    }
  }
  const base = {
    kvMiB: round1(kv),
    computeMiB: round1(compute),
    cacheRamMiB: cacheRam,
    kvMiBPerToken: kvBytesPerToken(arch, shape.cacheTypeK, shape.cacheTypeV) / MiB,
    kvMiBPerTokenF16: kvBytesPerToken(arch) / MiB,
    seedRuleKvMiB: round1(total * SEED_KV_MIB_PER_TOKEN),
  };
  if (shape.device === 'cpu') {
    // Weights are mmap'd in full; KV and compute live in RAM; `--device none` keeps the GPU untouched.
    const weights = model.fileSizeMiB;
    return { ...base, weightsVramMiB: 0, weightsRamMiB: round1(weights), overheadMiB: PROCESS_RAM_MiB, vramMiB: 0, ramMiB: round1(weights + kv + compute + PROCESS_RAM_MiB + cacheRam) };
  }
  const weightsVram = (layersSum - cpuExperts + split.outputBytes) / MiB;
  const weightsRam = (split.embeddingBytes + cpuExperts) / MiB;
  return {
    ...base,
    weightsVramMiB: round1(weightsVram),
    weightsRamMiB: round1(weightsRam),
    overheadMiB: cudaOverheadMiB,
    vramMiB: round1(weightsVram + kv + compute + cudaOverheadMiB),
    ramMiB: round1(weightsRam + PROCESS_RAM_MiB + cacheRam),
  };
}

/** MoE layers a model has (the most `--n-cpu-moe` can move to RAM). */
export function moeLayerCount(arch: Architecture): number {
  return arch.moe ? arch.layers - arch.moe.leadingDenseLayers : 0;
}
