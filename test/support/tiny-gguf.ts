// Writes a tiny random-weight llama GGUF (F16) that a real llama-server loads, with the tokenizer of a vocab-only GGUF.
import { readFileSync, writeFileSync } from 'node:fs';
import { buildGguf, readGgufKv, GGML_TYPE, type GgufValue } from '../../src/fleet/gguf-writer.js';

const GGML_F32 = GGML_TYPE.F32;
const GGML_F16 = GGML_TYPE.F16;

export { readGgufKv };

export interface TinyGgufSpec {
  layers: number;
  embd: number;
  heads: number;
  kvHeads: number;
  ff: number;
  ctx: number;
  seed: number;
}

/** Head size 64/2 = 32: a multiple of the q8_0/q4_0 block size, so quantized KV with flash attention works. */
export const DEFAULT_TINY: TinyGgufSpec = { layers: 2, embd: 64, heads: 2, kvHeads: 2, ff: 128, ctx: 4096, seed: 42 };

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half from a float (truncating; the tiny values used here never overflow). */
function toHalf(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = u & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | (mant >>> 13);
}

/** Deterministic xorshift PRNG so the same spec always makes the same file. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 0x100000000) * 2 - 1;
  };
}

export interface TinyGguf {
  path: string;
  spec: TinyGgufSpec;
  vocabSize: number;
  fileSizeBytes: number;
  /** Bytes of tensor data (what llama-server reports as its model buffer). */
  tensorBytes: number;
}

export function makeTinyGguf(outPath: string, vocabGguf: string, spec: TinyGgufSpec = DEFAULT_TINY): TinyGguf {
  const { kv: vocabKv, vocabSize } = readGgufKv(readFileSync(vocabGguf));
  if (spec.embd % spec.heads !== 0) throw new Error('embd must be a multiple of heads');
  const headDim = spec.embd / spec.heads;
  const kvDim = headDim * spec.kvHeads;
  const rand = rng(spec.seed);

  const f32v = (value: number): GgufValue => ({ type: 'f32', value });
  const u32v = (value: number): GgufValue => ({ type: 'u32', value });
  const kv: Record<string, GgufValue> = {
    'general.architecture': { type: 'str', value: 'llama' },
    'general.name': { type: 'str', value: 'tiny-random-llama' },
    'general.file_type': u32v(1), // mostly F16
    'llama.context_length': u32v(spec.ctx),
    'llama.embedding_length': u32v(spec.embd),
    'llama.block_count': u32v(spec.layers),
    'llama.feed_forward_length': u32v(spec.ff),
    'llama.attention.head_count': u32v(spec.heads),
    'llama.attention.head_count_kv': u32v(spec.kvHeads),
    'llama.rope.dimension_count': u32v(headDim),
    'llama.vocab_size': u32v(vocabSize),
    'llama.attention.layer_norm_rms_epsilon': f32v(1e-5),
    'llama.rope.freq_base': f32v(10000),
  };
  for (const [key, bytes] of vocabKv) {
    if (key.startsWith('tokenizer.') && key !== 'tokenizer.chat_template') kv[key] = { type: 'raw', bytes };
  }
  kv['tokenizer.chat_template'] = { type: 'str', value: CHATML_TEMPLATE };

  // Tensors: name, ggml dims (inner first), type.
  const tensors: { name: string; dims: number[]; type: number }[] = [
    { name: 'token_embd.weight', dims: [spec.embd, vocabSize], type: GGML_F16 },
    { name: 'output_norm.weight', dims: [spec.embd], type: GGML_F32 },
  ];
  for (let i = 0; i < spec.layers; i++) {
    const p = `blk.${i}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [spec.embd], type: GGML_F32 },
      { name: `${p}attn_q.weight`, dims: [spec.embd, spec.embd], type: GGML_F16 },
      { name: `${p}attn_k.weight`, dims: [spec.embd, kvDim], type: GGML_F16 },
      { name: `${p}attn_v.weight`, dims: [spec.embd, kvDim], type: GGML_F16 },
      { name: `${p}attn_output.weight`, dims: [spec.embd, spec.embd], type: GGML_F16 },
      { name: `${p}ffn_norm.weight`, dims: [spec.embd], type: GGML_F32 },
      { name: `${p}ffn_gate.weight`, dims: [spec.embd, spec.ff], type: GGML_F16 },
      { name: `${p}ffn_down.weight`, dims: [spec.ff, spec.embd], type: GGML_F16 },
      { name: `${p}ffn_up.weight`, dims: [spec.embd, spec.ff], type: GGML_F16 },
    );
  }
  const pool = Uint16Array.from({ length: 65521 }, () => toHalf(rand() * 0.05));
  const datas: Buffer[] = tensors.map((t) => {
    const n = t.dims.reduce((a, b) => a * b, 1);
    const norm = t.name.includes('norm');
    if (t.type === GGML_F32) {
      const b = Buffer.alloc(n * 4);
      for (let i = 0; i < n; i++) b.writeFloatLE(norm ? 1 : rand() * 0.02, i * 4);
      return b;
    }
    // A prime-length block of random halves repeated: random enough for a test model, fast to write.
    const halves = new Uint16Array(n);
    for (let i = 0; i < n; i++) halves[i] = pool[i % pool.length]!;
    return Buffer.from(halves.buffer);
  });

  const out = buildGguf(kv, tensors.map((t, i) => ({ name: t.name, dims: t.dims, ggmlType: t.type, data: datas[i] })));
  writeFileSync(outPath, out);
  return { path: outPath, spec, vocabSize, fileSizeBytes: out.length, tensorBytes: datas.reduce((a, d) => a + d.length, 0) };
}
