// Reads a model's architecture numbers from its GGUF header (via @huggingface/gguf) so files on disk beat catalog figures.
import { stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, isAbsolute } from 'node:path';
import type { gguf } from '@huggingface/gguf';
import { GthError } from '../util/errors.js';
import { Architecture, type ModelEntry } from './catalog-schema.js';

export interface HeaderInfo {
  arch: Partial<Architecture> & { name: string };
  fileSizeMiB: number;
  tensorCount: number;
}

type Meta = Record<string, unknown>;

function num(meta: Meta, key: string): number | undefined {
  const v = meta[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // Some models store per-layer values (e.g. head_count_kv); the largest layer decides the cache size.
  if (Array.isArray(v) && v.length) return Math.max(...v.map((x) => Number(x)));
  return undefined;
}

/** Parses the header of a local GGUF file into architecture fields (only those present). */
export async function readGgufHeader(path: string): Promise<HeaderInfo> {
  let parsed: Awaited<ReturnType<typeof gguf>>;
  try {
    // Loaded here, not at start-up: the parser and its model-task tables cost every `gth plan` without a GGUF on disk.
    const { gguf: parse } = await import('@huggingface/gguf');
    parsed = await parse(path, { allowLocalFile: true });
  } catch (err) {
    throw new GthError(`${path}: not a readable GGUF file: ${(err as Error).message}`, { cause: err });
  }
  const meta = parsed.metadata as unknown as Meta;
  const name = meta['general.architecture'];
  if (typeof name !== 'string') throw new GthError(`${path}: GGUF header has no general.architecture`);
  const k = (suffix: string): number | undefined => num(meta, `${name}.${suffix}`);
  const headCount = k('attention.head_count');
  const embedding = k('embedding_length');
  const headDim = headCount && embedding ? embedding / headCount : undefined;
  const tokens = meta['tokenizer.ggml.tokens'];
  const names = new Set(parsed.tensorInfos.map((t) => t.name));
  const arch: Partial<Architecture> & { name: string } = { name };
  const set = <K extends keyof Architecture>(key: K, value: Architecture[K] | undefined): void => {
    if (value !== undefined) arch[key] = value;
  };
  set('layers', k('block_count'));
  set('headCount', headCount);
  set('kvHeads', k('attention.head_count_kv') ?? headCount);
  set('keyLength', k('attention.key_length') ?? headDim);
  set('valueLength', k('attention.value_length') ?? headDim);
  set('embeddingLength', embedding);
  set('feedForwardLength', k('feed_forward_length'));
  set('contextLength', k('context_length'));
  set('vocabSize', k('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined));
  if (names.size) set('tiedEmbeddings', !names.has('output.weight'));
  const experts = k('expert_count');
  if (experts) {
    arch.moe = {
      count: experts,
      used: k('expert_used_count') ?? 1,
      shared: k('expert_shared_count') ?? 0,
      feedForwardLength: k('expert_feed_forward_length') ?? k('feed_forward_length') ?? 1,
      leadingDenseLayers: k('leading_dense_block_count') ?? 0,
    };
  }
  const window = k('attention.sliding_window');
  const st = await stat(path);
  return { arch: window ? { ...arch, slidingWindow: { size: window, pattern: 6 } } : arch, fileSizeMiB: st.size / (1024 * 1024), tensorCount: parsed.tensorInfos.length };
}

export function modelPath(modelsDir: string, file: string): string {
  return isAbsolute(file) ? file : join(modelsDir, file);
}

/** The catalog entry with header figures laid over it when the GGUF is on disk; the header wins. */
export async function withHeader(model: ModelEntry, modelsDir: string): Promise<{ model: ModelEntry; fromHeader: boolean }> {
  const path = modelPath(modelsDir, model.file);
  if (!existsSync(path)) return { model, fromHeader: false };
  const header = await readGgufHeader(path);
  const merged = { ...model.arch, ...header.arch };
  // Keep the catalog's sliding pattern: GGUF stores the window size but not how layers alternate.
  if (header.arch.slidingWindow && model.arch.slidingWindow) merged.slidingWindow = { ...header.arch.slidingWindow, pattern: model.arch.slidingWindow.pattern };
  const arch = Architecture.safeParse(merged);
  if (!arch.success) {
    throw new GthError(`${path}: GGUF header lacks architecture numbers: ${arch.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return { model: { ...model, arch: arch.data, fileSizeMiB: Math.max(header.fileSizeMiB, 1e-6) }, fromHeader: true };
}
