// Writes a random-weight GGUF with a catalog model's real tensor shapes (only the layer count may be cut), for `gth calibrate`.
import { readFileSync } from 'node:fs';
import { GthError } from '../util/errors.js';
import type { Architecture } from './catalog-schema.js';
import { GGML_TYPE, readGgufKv, writeGgufStream, type GgufValue, type PatternTensor } from './gguf-writer.js';

/** Architectures whose tensor layout this writer knows (llama.cpp's llm_arch names). */
export const SYNTHETIC_ARCHS = ['llama', 'qwen2', 'qwen3', 'qwen3moe'] as const;

export interface SyntheticSpec {
  arch: Architecture;
  /** Layers to write; every per-layer shape is kept (CI cuts 36 layers to 2). */
  layers: number;
  /** A vocab-only GGUF of llama.cpp's models/ folder: its tokenizer is copied, its token count sets the vocabulary. */
  vocabGguf: string;
  name: string;
  seed?: number;
}

export interface SyntheticGguf {
  path: string;
  vocabSize: number;
  layers: number;
  bytes: number;
}

const f32 = (value: number): GgufValue => ({ type: 'f32', value });
const u32 = (value: number): GgufValue => ({ type: 'u32', value });

/** Q8_0 blocks (f16 scale + 32 int8) with small random values, repeated to fill any Q8_0 tensor. */
function q8Pattern(seed: number): Buffer {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const blocks = 4099; // prime, so rows do not line up with the repeat
  const b = Buffer.alloc(blocks * 34);
  for (let i = 0; i < blocks; i++) {
    b.writeUInt16LE(0x1400 + (next() % 64), i * 34); // scale ~0.001 as IEEE half
    for (let j = 0; j < 32; j++) b.writeInt8((next() % 255) - 127, i * 34 + 2 + j);
  }
  return b;
}

function f32Pattern(value: number | null, seed: number): Buffer {
  const b = Buffer.alloc(4096 * 4);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < 4096; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    b.writeFloatLE(value ?? ((s / 0x100000000) * 2 - 1) * 0.02, i * 4);
  }
  return b;
}

export function writeSyntheticGguf(path: string, spec: SyntheticSpec): SyntheticGguf {
  const a = spec.arch;
  if (!(SYNTHETIC_ARCHS as readonly string[]).includes(a.name)) {
    throw new GthError(`${spec.name}: architecture ${a.name} is not one gth calibrate can synthesize (known: ${SYNTHETIC_ARCHS.join(', ')}); put the real GGUF in modelsDir to calibrate on it`);
  }
  if (a.embeddingLength % 32 || a.feedForwardLength % 32 || (a.moe && a.moe.feedForwardLength % 32)) {
    throw new GthError(`${spec.name}: tensor rows must be multiples of 32 for Q8_0`);
  }
  const { kv: vocabKv, vocabSize } = readGgufKv(readFileSync(spec.vocabGguf));
  if (!vocabSize) throw new GthError(`${spec.vocabGguf}: no tokenizer.ggml.tokens`);
  const n = a.name;
  const kv: Record<string, GgufValue> = {
    'general.architecture': { type: 'str', value: n },
    'general.name': { type: 'str', value: `${spec.name} (synthetic, ${spec.layers} layers)` },
    'general.file_type': u32(7), // mostly Q8_0
    [`${n}.context_length`]: u32(a.contextLength),
    [`${n}.embedding_length`]: u32(a.embeddingLength),
    [`${n}.block_count`]: u32(spec.layers),
    [`${n}.feed_forward_length`]: u32(a.feedForwardLength),
    [`${n}.attention.head_count`]: u32(a.headCount),
    [`${n}.attention.head_count_kv`]: u32(a.kvHeads),
    [`${n}.attention.key_length`]: u32(a.keyLength),
    [`${n}.attention.value_length`]: u32(a.valueLength),
    [`${n}.rope.dimension_count`]: u32(a.keyLength),
    [`${n}.attention.layer_norm_rms_epsilon`]: f32(1e-6),
    [`${n}.rope.freq_base`]: f32(1_000_000),
  };
  if (a.moe) {
    kv[`${n}.expert_count`] = u32(a.moe.count);
    kv[`${n}.expert_used_count`] = u32(a.moe.used);
    kv[`${n}.expert_feed_forward_length`] = u32(a.moe.feedForwardLength);
  }
  for (const [key, bytes] of vocabKv) if (key.startsWith('tokenizer.')) kv[key] = { type: 'raw', bytes };

  const q8 = q8Pattern(spec.seed ?? 7);
  const ones = f32Pattern(1, 1);
  const small = f32Pattern(null, spec.seed ?? 7);
  const tensors: PatternTensor[] = [];
  const mat = (name: string, dims: number[]): void => {
    const count = dims.reduce((x, y) => x * y, 1);
    tensors.push({ name, dims, ggmlType: GGML_TYPE.Q8_0, byteLength: (count / 32) * 34, pattern: q8 });
  };
  const vec = (name: string, dims: number[], pattern = ones): void => {
    tensors.push({ name, dims, ggmlType: GGML_TYPE.F32, byteLength: dims.reduce((x, y) => x * y, 1) * 4, pattern });
  };
  const h = a.embeddingLength;
  const q = a.headCount * a.keyLength;
  const k = a.kvHeads * a.keyLength;
  const v = a.kvHeads * a.valueLength;
  mat('token_embd.weight', [h, vocabSize]);
  vec('output_norm.weight', [h]);
  if (!a.tiedEmbeddings) mat('output.weight', [h, vocabSize]);
  for (let i = 0; i < spec.layers; i++) {
    const p = `blk.${i}.`;
    vec(`${p}attn_norm.weight`, [h]);
    mat(`${p}attn_q.weight`, [h, q]);
    mat(`${p}attn_k.weight`, [h, k]);
    mat(`${p}attn_v.weight`, [h, v]);
    mat(`${p}attn_output.weight`, [a.headCount * a.valueLength, h]);
    if (n === 'qwen2') {
      vec(`${p}attn_q.bias`, [q], small);
      vec(`${p}attn_k.bias`, [k], small);
      vec(`${p}attn_v.bias`, [v], small);
    }
    if (n === 'qwen3' || n === 'qwen3moe') {
      vec(`${p}attn_q_norm.weight`, [a.keyLength]);
      vec(`${p}attn_k_norm.weight`, [a.keyLength]);
    }
    vec(`${p}ffn_norm.weight`, [h]);
    if (a.moe) {
      const { count, feedForwardLength: fe } = a.moe;
      vec(`${p}ffn_gate_inp.weight`, [h, count], small);
      mat(`${p}ffn_gate_exps.weight`, [h, fe, count]);
      mat(`${p}ffn_up_exps.weight`, [h, fe, count]);
      mat(`${p}ffn_down_exps.weight`, [fe, h, count]);
    } else {
      mat(`${p}ffn_gate.weight`, [h, a.feedForwardLength]);
      mat(`${p}ffn_up.weight`, [h, a.feedForwardLength]);
      mat(`${p}ffn_down.weight`, [a.feedForwardLength, h]);
    }
  }
  const bytes = writeGgufStream(path, kv, tensors);
  return { path, vocabSize, layers: spec.layers, bytes };
}
