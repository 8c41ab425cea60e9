// The fleet plan: the contract between the planner (src/fleet) and the runtime (src/runtime).
import { z } from 'zod';
import { BeadId, Role } from '../beads/schema.js';

export const CacheType = z.enum(['f16', 'q8_0', 'q4_0']);

export const ServerPlan = z.strictObject({
  /** Stable id, e.g. "gpu-qwen2.5-coder-3b"; pid files and logs are named after it. */
  id: z.string().min(1),
  /** Catalog model name. */
  model: z.string().min(1),
  /** GGUF file name, resolved against the configured models directory. */
  modelFile: z.string().min(1),
  device: z.enum(['gpu', 'cpu']),
  roles: z.array(Role),
  slots: z.int().positive(),
  ctxPerSlot: z.int().positive(),
  cacheTypeK: CacheType,
  cacheTypeV: CacheType,
  flashAttention: z.boolean(),
  gpuLayers: z.int().nonnegative(),
  nCpuMoe: z.int().nonnegative().default(0),
  threads: z.int().positive(),
  /** Logical CPU ids for taskset; empty means no pinning. */
  cpuCores: z.array(z.int().nonnegative()).default([]),
  vramMiB: z.number().nonnegative(),
  ramMiB: z.number().nonnegative(),
  /** llama-server arguments without binary, --host, --port and --api-key (the runtime adds those). */
  args: z.array(z.string()),
  /** Full human-readable command line, taskset included, for `gth plan` output. */
  commandLine: z.string(),
  /** Lower is more important; the runtime stops the least important server first. */
  importance: z.int().nonnegative(),
  tokensPerSecond: z.number().positive(),
  /** Where the decode speed came from: measured (calibration or runtime), derived (bandwidth / bytes per token x efficiency), or the catalog. */
  tokensPerSecondSource: z.enum(['catalog', 'derived', 'measured']),
  /** Memory-bandwidth bound of one sequence; no decode speed may exceed it. */
  tokensPerSecondBound: z.number().positive().optional(),
  promptTokensPerSecond: z.number().positive().optional(),
  promptTokensPerSecondSource: z.enum(['catalog', 'measured']).optional(),
  /** Optional memory breakdown from the planner (MiB), with the seed's 0.11 MiB/token rule beside the computed KV. */
  estimate: z
    .strictObject({
      weightsVramMiB: z.number().nonnegative(),
      weightsRamMiB: z.number().nonnegative(),
      kvMiB: z.number().nonnegative(),
      computeMiB: z.number().nonnegative(),
      overheadMiB: z.number().nonnegative(),
      /** Prompt cache cap in RAM (--cache-ram), counted in ramMiB. */
      cacheRamMiB: z.number().nonnegative().optional(),
      kvMiBPerToken: z.number().nonnegative(),
      kvMiBPerTokenF16: z.number().nonnegative(),
      seedRuleKvMiB: z.number().nonnegative(),
    })
    .optional(),
});

export const Assignment = z.strictObject({
  beadId: BeadId,
  role: Role,
  /** Server id, or "cloud" when the bead goes to a cloud model. */
  target: z.string().min(1),
  model: z.string().min(1),
  promptTokens: z.int().nonnegative(),
  estSeconds: z.number().nonnegative(),
  /** When the bead starts in the event-driven schedule (seconds from the plan's start). */
  startSeconds: z.number().nonnegative().optional(),
  /** CPU servers: the threads the bead runs with (more than the server's launch threads once a stopped server's cores are re-assigned). */
  threads: z.int().positive().optional(),
  reason: z.string(),
});

export const Wave = z.strictObject({
  index: z.int().nonnegative(),
  /** Servers up together during this phase of the schedule (the runtime swaps between waves); a phase ends when a server starts or stops. */
  servers: z.array(z.string()),
  /** Each server's threads and pinned CPUs in this phase: cores a server frees when it stops for good go to the others (a CPU server restarts between beads to take them). */
  cores: z
    .array(
      z.strictObject({
        server: z.string(),
        threads: z.int().positive(),
        cpuCores: z.array(z.int().nonnegative()),
        /** Decode and prompt speed with these threads (a CPU server's speed follows its cores); absent in plans from before. */
        tokensPerSecond: z.number().positive().optional(),
        promptTokensPerSecond: z.number().positive().optional(),
      }),
    )
    .optional(),
  assignments: z.array(Assignment),
  estSeconds: z.number().nonnegative(),
});

export const FleetPlan = z.strictObject({
  servers: z.array(ServerPlan),
  waves: z.array(Wave),
  headroom: z.strictObject({ vramMiB: z.number(), ramMiB: z.number(), cores: z.int() }),
  estWallSeconds: z.number().nonnegative(),
  /** The event-driven schedule's makespan against its lower bound (critical path; each server's work over its slots). */
  schedule: z
    .strictObject({
      makespanSeconds: z.number().nonnegative(),
      lowerBoundSeconds: z.number().nonnegative(),
      criticalPathSeconds: z.number().nonnegative(),
      servers: z.array(z.strictObject({ id: z.string(), workBoundSeconds: z.number().nonnegative(), utilisation: z.number().min(0).max(1.0001) })),
    })
    .optional(),
  warnings: z.array(z.string()).default([]),
  /** Where figures came from beyond the profile (calibration), and the stated safety margin. */
  notes: z.array(z.string()).optional(),
});

export type CacheType = z.infer<typeof CacheType>;
export type ServerPlan = z.infer<typeof ServerPlan>;
export type Assignment = z.infer<typeof Assignment>;
export type Wave = z.infer<typeof Wave>;
export type FleetPlan = z.infer<typeof FleetPlan>;
