// Built-in catalog of real GGUF models that stand in for the seed's model names (config/catalog.yml mirrors it).
import { Catalog, type ModelEntryInput } from './catalog-schema.js';

// Architecture numbers come from each model's Hugging Face config.json (num_hidden_layers,
// num_attention_heads, num_key_value_heads, head_dim, max_position_embeddings, experts), which
// llama.cpp copies into the GGUF header as <arch>.block_count, .attention.head_count_kv, etc.
// File sizes are the Q4_K_M files of the bartowski / unsloth GGUF repositories on Hugging Face.
// Speeds are the seed's figures on the RTX 3080 / i7-12700KF where it gave one; they are replaced
// by measured figures once the runtime has served a few requests.
const MODELS: ModelEntryInput[] = [
  {
    name: 'Qwen2.5-Coder-3B-Instruct',
    replaces: ['Qwen3-Coder-3B'],
    note: 'No Qwen3-Coder-3B exists; Qwen2.5-Coder-3B-Instruct is the closest small coder.',
    file: 'Qwen2.5-Coder-3B-Instruct-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 1841,
    source: 'huggingface.co/Qwen/Qwen2.5-Coder-3B-Instruct config.json; bartowski/Qwen2.5-Coder-3B-Instruct-GGUF (1.93 GB)',
    arch: {
      name: 'qwen2', layers: 36, headCount: 16, kvHeads: 2, keyLength: 128, valueLength: 128,
      embeddingLength: 2048, feedForwardLength: 11008, vocabSize: 151936, contextLength: 32768, tiedEmbeddings: true,
    },
    speed: { gpu: { gen: 100, prompt: 3000 } },
    fallback: 'DeepSeek-Coder-V2-Lite-Instruct',
  },
  {
    name: 'Qwen2.5-Coder-7B-Instruct',
    replaces: ['Qwen3-Coder-7B'],
    note: 'No Qwen3-Coder-7B exists; Qwen2.5-Coder-7B-Instruct is the closest mid-size coder.',
    file: 'Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 4463,
    source: 'huggingface.co/Qwen/Qwen2.5-Coder-7B-Instruct config.json; bartowski/Qwen2.5-Coder-7B-Instruct-GGUF (4.68 GB)',
    arch: {
      name: 'qwen2', layers: 28, headCount: 28, kvHeads: 4, keyLength: 128, valueLength: 128,
      embeddingLength: 3584, feedForwardLength: 18944, vocabSize: 152064, contextLength: 32768,
    },
    speed: { gpu: { gen: 100, prompt: 2000 } },
    fallback: 'Qwen3-8B',
  },
  {
    name: 'Qwen3-Coder-30B-A3B-Instruct',
    replaces: ['Qwen3-Coder-30B-A3B'],
    note: 'Mixture of experts (128 experts, 8 active): experts stay in RAM via --n-cpu-moe, attention and KV on the GPU.',
    file: 'Qwen3-Coder-30B-A3B-Instruct-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 17738,
    source: 'huggingface.co/Qwen/Qwen3-Coder-30B-A3B-Instruct config.json; unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF (18.6 GB)',
    arch: {
      name: 'qwen3moe', layers: 48, headCount: 32, kvHeads: 4, keyLength: 128, valueLength: 128,
      embeddingLength: 2048, feedForwardLength: 6144, vocabSize: 151936, contextLength: 262144,
      moe: { count: 128, used: 8, shared: 0, feedForwardLength: 768, leadingDenseLayers: 0 },
    },
    speed: { gpu: { gen: 16, prompt: 250 } },
    fallback: 'DeepSeek-Coder-V2-Lite-Instruct',
  },
  {
    name: 'DeepSeek-Coder-V2-Lite-Instruct',
    replaces: ['DeepSeek-Coder-V3-Lite (8B)', 'DeepSeek-Coder-V3-Lite'],
    note: 'No DeepSeek-Coder-V3-Lite exists; V2-Lite is a 16B MoE (2.4B active). KV figures are llama.cpp\'s non-MLA cache (K 192, V 128 per head).',
    file: 'DeepSeek-Coder-V2-Lite-Instruct-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 9880,
    source: 'huggingface.co/deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct config.json; bartowski/DeepSeek-Coder-V2-Lite-Instruct-GGUF (10.36 GB)',
    arch: {
      name: 'deepseek2', layers: 27, headCount: 16, kvHeads: 16, keyLength: 192, valueLength: 128,
      embeddingLength: 2048, feedForwardLength: 10944, vocabSize: 102400, contextLength: 163840,
      moe: { count: 64, used: 6, shared: 2, feedForwardLength: 1408, leadingDenseLayers: 1 },
    },
    speed: { gpu: { gen: 20, prompt: 300 } },
    fallback: 'Qwen2.5-Coder-7B-Instruct',
  },
  {
    name: 'gemma-3-4b-it',
    replaces: ['Gemma-3-4B-It'],
    note: 'Five of every six layers use a 1024-token sliding window, so its KV cache grows slowly with context.',
    file: 'gemma-3-4b-it-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 2375,
    source: 'huggingface.co/google/gemma-3-4b-it config.json (text_config); bartowski/google_gemma-3-4b-it-GGUF (2.49 GB)',
    arch: {
      name: 'gemma3', layers: 34, headCount: 8, kvHeads: 4, keyLength: 256, valueLength: 256,
      embeddingLength: 2560, feedForwardLength: 10240, vocabSize: 262208, contextLength: 131072, tiedEmbeddings: true,
      slidingWindow: { size: 1024, pattern: 6 },
    },
    speed: { gpu: { gen: 45, prompt: 2000 } },
  },
  {
    name: 'DeepSeek-R1-Distill-Qwen-32B',
    note: 'Reasoning model for the Refinery, run on P-cores and RAM.',
    file: 'DeepSeek-R1-Distill-Qwen-32B-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 18978,
    source: 'huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-32B config.json; bartowski/DeepSeek-R1-Distill-Qwen-32B-GGUF (19.9 GB)',
    arch: {
      name: 'qwen2', layers: 64, headCount: 40, kvHeads: 8, keyLength: 128, valueLength: 128,
      embeddingLength: 5120, feedForwardLength: 27648, vocabSize: 152064, contextLength: 131072,
    },
    speed: { cpu: { gen: 4, prompt: 40 } },
    fallback: 'Qwen3-8B',
  },
  {
    name: 'Qwen3-8B',
    replaces: ['Llama 4 8B', 'Qwen3-7B-Instruct'],
    note: 'No Llama 4 8B or Qwen3-7B-Instruct exists; Qwen3-8B is the closest 8B general model (GPU or E-cores).',
    file: 'Qwen3-8B-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 4797,
    source: 'huggingface.co/Qwen/Qwen3-8B config.json; Qwen/Qwen3-8B-GGUF (5.03 GB)',
    arch: {
      name: 'qwen3', layers: 36, headCount: 32, kvHeads: 8, keyLength: 128, valueLength: 128,
      embeddingLength: 4096, feedForwardLength: 12288, vocabSize: 151936, contextLength: 40960,
    },
    speed: { gpu: { gen: 82, prompt: 1800 }, cpu: { gen: 3.5, prompt: 30 } },
  },
  {
    name: 'SmolLM2-1.7B-Instruct',
    note: 'Librarian on the E-cores. The seed hoped for 150+ tokens/s; four E-cores reading a 1 GB model manage far less, so the catalog says 30 until measured.',
    file: 'SmolLM2-1.7B-Instruct-Q4_K_M.gguf',
    quant: 'Q4_K_M',
    fileSizeMiB: 1011,
    source: 'huggingface.co/HuggingFaceTB/SmolLM2-1.7B-Instruct config.json; bartowski/SmolLM2-1.7B-Instruct-GGUF (1.06 GB)',
    arch: {
      name: 'llama', layers: 24, headCount: 32, kvHeads: 32, keyLength: 64, valueLength: 64,
      embeddingLength: 2048, feedForwardLength: 8192, vocabSize: 49152, contextLength: 8192, tiedEmbeddings: true,
    },
    speed: { cpu: { gen: 30, prompt: 150 }, gpu: { gen: 180, prompt: 5000 } },
    fallback: 'Qwen3-8B',
  },
];

export const DEFAULT_CATALOG_INPUT: readonly ModelEntryInput[] = MODELS;
export const DEFAULT_CATALOG = Catalog.parse(MODELS);
