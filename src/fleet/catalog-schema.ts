// Zod schemas for the model catalog: GGUF file, quant, size, architecture numbers and speed figures.
import { z } from 'zod';

const count = z.int().positive();

export const MoeInfo = z.strictObject({
  /** Routed experts per MoE layer. */
  count: count,
  /** Experts active per token. */
  used: count,
  shared: z.int().nonnegative().default(0),
  /** Hidden size of one expert's FFN. */
  feedForwardLength: count,
  /** Dense (non-MoE) layers at the start (DeepSeek's first_k_dense_replace). */
  leadingDenseLayers: z.int().nonnegative().default(0),
});

export const SlidingWindow = z.strictObject({
  /** Tokens a sliding-window layer attends to. */
  size: count,
  /** Every `pattern`-th layer is global, the rest slide (Gemma 3: 6 = 5 local + 1 global). */
  pattern: count,
});

export const Architecture = z.strictObject({
  /** general.architecture in the GGUF header. */
  name: z.string().min(1),
  layers: count,
  headCount: count,
  kvHeads: count,
  keyLength: count,
  valueLength: count,
  embeddingLength: count,
  feedForwardLength: count,
  vocabSize: count,
  /** Context length the model was trained for (the most a slot may be given). */
  contextLength: count,
  tiedEmbeddings: z.boolean().default(false),
  moe: MoeInfo.optional(),
  slidingWindow: SlidingWindow.optional(),
});

export const Speed = z.strictObject({
  /** Generated tokens per second for one request. */
  gen: z.number().positive(),
  /** Prompt tokens processed per second. */
  prompt: z.number().positive(),
});

export const ModelEntry = z.strictObject({
  name: z.string().min(1),
  /** Names in the seed plan this real model stands in for (several seed names do not exist). */
  replaces: z.array(z.string()).default([]),
  note: z.string().default(''),
  file: z.string().regex(/\.gguf$/i, 'expected a .gguf file name'),
  quant: z.string().min(1),
  fileSizeMiB: z.number().positive(),
  source: z.string().default(''),
  arch: Architecture,
  speed: z.strictObject({ gpu: Speed.optional(), cpu: Speed.optional() }),
  /** Set when the owner finds the model makes up too much Godot 4 API; the switcher then uses `fallback`. */
  hallucinatesTooMuch: z.boolean().default(false),
  fallback: z.string().min(1).optional(),
});

export const Catalog = z.array(ModelEntry).min(1, 'the catalog needs at least one model');

export type MoeInfo = z.infer<typeof MoeInfo>;
export type Architecture = z.infer<typeof Architecture>;
export type ArchitectureInput = z.input<typeof Architecture>;
export type Speed = z.infer<typeof Speed>;
export type ModelEntry = z.infer<typeof ModelEntry>;
export type ModelEntryInput = z.input<typeof ModelEntry>;
export type Catalog = z.infer<typeof Catalog>;
