import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGgufHeader, withHeader } from '../../../src/fleet/gguf-arch.js';
import { DEFAULT_CATALOG } from '../../../src/fleet/default-catalog.js';
import { kvBytesPerToken } from '../../../src/fleet/estimator.js';
import { writeGguf, type GgufValue } from '../../../src/fleet/gguf-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (value: number): GgufValue => ({ type: 'u32', value });

function qwenLike(file: string, over: Record<string, GgufValue> = {}, tensors = [{ name: 'token_embd.weight', dims: [64, 8] }]): string {
  const path = join(dir, file);
  writeGguf(
    path,
    {
      'general.architecture': { type: 'str', value: 'qwen2' },
      'general.name': { type: 'str', value: 'tiny' },
      'qwen2.block_count': u32(5),
      'qwen2.context_length': u32(4096),
      'qwen2.embedding_length': u32(64),
      'qwen2.feed_forward_length': u32(256),
      'qwen2.attention.head_count': u32(4),
      'qwen2.attention.head_count_kv': u32(2),
      'qwen2.rope.freq_base': { type: 'f32', value: 1000000 },
      'tokenizer.ggml.tokens': { type: 'str[]', value: ['<a>', '<b>', '<c>', '<d>', '<e>', '<f>', '<g>', '<h>'] },
      ...over,
    },
    tensors,
  );
  return path;
}

describe('GGUF header reading', () => {
  it('reads layers, heads, KV heads, head length (embedding / heads), context and vocabulary', async () => {
    const info = await readGgufHeader(qwenLike('a.gguf'));
    expect(info.arch).toMatchObject({
      name: 'qwen2', layers: 5, headCount: 4, kvHeads: 2, keyLength: 16, valueLength: 16,
      embeddingLength: 64, feedForwardLength: 256, contextLength: 4096, vocabSize: 8, tiedEmbeddings: true,
    });
    expect(info.tensorCount).toBe(1);
  });

  it('prefers explicit key/value lengths, per-layer KV head arrays (largest wins) and MoE keys', async () => {
    const path = qwenLike(
      'b.gguf',
      {
        'general.architecture': { type: 'str', value: 'deepseek2' },
        'deepseek2.block_count': u32(3),
        'deepseek2.context_length': u32(8192),
        'deepseek2.embedding_length': u32(64),
        'deepseek2.feed_forward_length': u32(128),
        'deepseek2.attention.head_count': u32(4),
        'deepseek2.attention.head_count_kv': { type: 'u32[]', value: [2, 4, 4] },
        'deepseek2.attention.key_length': u32(48),
        'deepseek2.attention.value_length': u32(32),
        'deepseek2.vocab_size': u32(100),
        'deepseek2.expert_count': u32(16),
        'deepseek2.expert_used_count': u32(2),
        'deepseek2.expert_shared_count': u32(1),
        'deepseek2.expert_feed_forward_length': u32(32),
        'deepseek2.leading_dense_block_count': u32(1),
      },
      [{ name: 'token_embd.weight', dims: [64, 8] }, { name: 'output.weight', dims: [64, 8] }],
    );
    const info = await readGgufHeader(path);
    expect(info.arch).toMatchObject({ name: 'deepseek2', layers: 3, kvHeads: 4, keyLength: 48, valueLength: 32, vocabSize: 100, tiedEmbeddings: false });
    expect(info.arch.moe).toEqual({ count: 16, used: 2, shared: 1, feedForwardLength: 32, leadingDenseLayers: 1 });
  });

  it('lays header numbers over the catalog entry when the file is in the models folder', async () => {
    const base = DEFAULT_CATALOG.find((m) => m.name === 'Qwen2.5-Coder-3B-Instruct')!;
    const entry = { ...base, file: 'tiny-qwen.gguf' };
    const path = qwenLike('tiny-qwen.gguf');
    const { model, fromHeader } = await withHeader(entry, dir);
    expect(fromHeader).toBe(true);
    expect(model.arch.layers).toBe(5);
    expect(model.arch.kvHeads).toBe(2);
    expect(kvBytesPerToken(model.arch)).toBe(5 * 2 * (16 + 16) * 2);
    expect(model.fileSizeMiB).toBeCloseTo((await import('node:fs')).statSync(path).size / 1048576, 6);
    // Fields the header lacks keep the catalog's values.
    expect(model.speed).toEqual(base.speed);
  });

  it('keeps the catalog entry when the file is not on disk', async () => {
    const base = DEFAULT_CATALOG[0]!;
    const { model, fromHeader } = await withHeader(base, join(dir, 'missing'));
    expect(fromHeader).toBe(false);
    expect(model).toBe(base);
  });

  it('names the file when it is not GGUF', async () => {
    const path = join(dir, 'bad.gguf');
    writeFileSync(path, 'this is not a model file at all, just text padding padding padding');
    await expect(readGgufHeader(path)).rejects.toThrow(/bad\.gguf: not a readable GGUF file/);
  });
});
