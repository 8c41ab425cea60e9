// Switcher rules (which model serves which bead) with the seed's choices as defaults.
import { z } from 'zod';
import { Role } from '../beads/schema.js';
import { CacheType } from './plan-schema.js';

export const Rule = z.strictObject({
  role: Role,
  /** The rule applies while the bead's estimated prompt stays at or under this many tokens. */
  maxPromptTokens: z.int().positive().optional(),
  /** Catalog model name, or a cloud model name when device is "cloud". */
  model: z.string().min(1),
  device: z.enum(['gpu', 'cpu', 'cloud']),
  why: z.string().default(''),
});

export const CpuAgent = z.strictObject({
  /** Core class the agent is pinned to first: P-cores (lowest first) or E-cores. */
  coreClass: z.enum(['p', 'e']),
  /** Physical cores (= --threads) wanted. */
  cores: z.int().positive(),
  /** Fewest cores it may run with when others already hold some. */
  minCores: z.int().positive().default(1),
});

export const SwitcherConfig = z.strictObject({
  prompt: z
    .strictObject({
      roleBriefTokens: z.int().nonnegative().default(2000),
      rigReadmeTokens: z.int().nonnegative().default(1000),
      /** Local tokenizers count differently from gpt-tokenizer, so estimates get this margin on top. */
      marginPercent: z.number().min(0).max(200).default(15),
    })
    .default({ roleBriefTokens: 2000, rigReadmeTokens: 1000, marginPercent: 15 }),
  /** Tokens each role is expected to write per bead (sizes the slot context and the time estimate). */
  outputTokens: z
    .partialRecord(Role, z.int().positive())
    .default({ polecat: 2000, refinery: 3000, librarian: 1000, mayor: 4000, crew: 800 }),
  rules: z.array(Rule).min(1).default([
    { role: 'polecat', maxPromptTokens: 6000, model: 'Qwen2.5-Coder-3B-Instruct', device: 'gpu', why: 'under 6k tokens: small coder, many slots' },
    { role: 'polecat', maxPromptTokens: 14000, model: 'Qwen2.5-Coder-7B-Instruct', device: 'gpu', why: '6k-14k tokens: 7B coder' },
    { role: 'polecat', maxPromptTokens: 60000, model: 'Qwen3-Coder-30B-A3B-Instruct', device: 'gpu', why: 'long context: MoE coder with experts in RAM' },
    { role: 'polecat', model: 'gemini-3-flash-preview', device: 'cloud', why: 'too long for the local models' },
    { role: 'refinery', model: 'DeepSeek-R1-Distill-Qwen-32B', device: 'cpu', why: 'reasoning reviewer on P-cores' },
    { role: 'librarian', model: 'SmolLM2-1.7B-Instruct', device: 'cpu', why: 'doc comments on E-cores' },
    { role: 'mayor', model: 'gemini-3-pro-preview', device: 'cloud', why: 'epic planning needs the large cloud model' },
    { role: 'crew', model: 'gemini-3-flash-preview', device: 'cloud', why: 'rig questions answered from docs' },
  ]),
  cpuAgents: z
    .partialRecord(Role, CpuAgent)
    .default({ refinery: { coreClass: 'p', cores: 6, minCores: 2 }, librarian: { coreClass: 'e', cores: 4, minCores: 1 } }),
  /** The seed's quantized cache: K at 8 bits, V at 4 bits (flash attention is switched on when V is quantized). */
  cacheTypeK: CacheType.default('q8_0'),
  cacheTypeV: CacheType.default('q4_0'),
  flashAttention: z.enum(['auto', 'on', 'off']).default('auto'),
  /** --cache-ram per server: RAM for cached prompts (agents of one role share the brief); 0 switches the cache off. */
  cacheRamMiB: z.int().nonnegative().default(2048),
  maxSlotsPerServer: z.int().positive().max(64).default(8),
  /** Threads for a GPU server whose layers are all offloaded (the CPU only feeds the GPU). */
  gpuServerThreads: z.int().positive().default(1),
  /** Threads for a GPU server that runs MoE experts on the CPU. */
  moeServerThreads: z.int().positive().default(4),
  /** Aggregate decode speed grows sub-linearly with slots: each doubling keeps this share of per-slot speed. */
  parallelEfficiency: z.number().gt(0).max(1).default(0.75),
  /** Cloud model for beads no local rule can hold. */
  cloudFallbackModel: z.string().min(1).default('gemini-3-flash-preview'),
  cloudSpeed: z.strictObject({ gen: z.number().positive(), prompt: z.number().positive() }).default({ gen: 150, prompt: 5000 }),
});

export type Rule = z.infer<typeof Rule>;
export type CpuAgent = z.infer<typeof CpuAgent>;
export type SwitcherConfig = z.infer<typeof SwitcherConfig>;
export type SwitcherConfigInput = z.input<typeof SwitcherConfig>;

export const DEFAULT_SWITCHER: SwitcherConfig = SwitcherConfig.parse({});
