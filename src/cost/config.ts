// The `cost` section of gastown.yml: price file, local power draw, and the all-cloud counterfactual.
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ROLES } from '../beads/schema.js';
import { configSection, type RawConfig } from '../config/load.js';
import { defaultPricesPath } from './prices.js';

const RoleModels = z.partialRecord(z.enum(ROLES), z.string().min(1));

export const CostConfig = z.strictObject({
  /** Price table; relative paths are relative to gastown.yml. Default: the shipped config/prices.yml. */
  prices: z.string().min(1).optional(),
  /**
   * Watts charged for a local call when no power sampler works. 320 W is the RTX 3080's rated board
   * power: an upper bound, since token generation rarely holds the card at its limit.
   */
  localWatts: z.number().nonnegative().default(320),
  /**
   * Watts charged for a call run on the CPU (the Refinery and Librarian by default). The GPU's sampler does
   * not see them; 125 W is the i7-12700KF's base power, about what llama.cpp holds on the P-cores. 0: not charged.
   */
  cpuWatts: z.number().nonnegative().default(125),
  /**
   * How the GPU's draw is read while local calls run: nvidia-smi's power.draw (the whole board, shared by
   * the calls running at once), or none to charge localWatts. Without a working nvidia-smi, localWatts.
   */
  powerSampler: z.enum(['nvidia-smi', 'none']).default('nvidia-smi'),
  powerSampleMs: z.int().positive().default(1000),
  /**
   * Output tokens per second of a cloud model, for the all-cloud time of local calls. Used only when the
   * ledger holds no successful call to that model to measure it from (measured figures win).
   */
  cloudTokensPerSecond: z.record(z.string().min(1), z.number().positive()).default({}),
  /** The cloud model that would replace each local call in an all-cloud fleet. */
  counterfactual: z
    .strictObject({
      default: z.string().min(1).default('gemini-3-flash-preview'),
      // Refinery reviews run on a local reasoning model; its cloud stand-in is the thinking model.
      roles: RoleModels.default({ refinery: 'gemini-3-pro-preview' }),
    })
    .default({ default: 'gemini-3-flash-preview', roles: { refinery: 'gemini-3-pro-preview' } }),
});
export type CostConfig = z.infer<typeof CostConfig>;

export function loadCostConfig(raw: RawConfig): CostConfig {
  return configSection(raw, 'cost', CostConfig, {});
}

/** Absolute path of the price table: the config's `cost.prices` (relative to the config file) or the default. */
export function pricesPathFor(cfg: CostConfig, raw: RawConfig, cwd = process.cwd()): string {
  if (!cfg.prices) return defaultPricesPath();
  return resolve(raw.file ? dirname(raw.file) : cwd, cfg.prices);
}

/** The counterfactual model for a role and the config path that chose it (for error messages). */
export function counterfactualModel(cfg: CostConfig, role: (typeof ROLES)[number]): { model: string; setting: string } {
  const byRole = cfg.counterfactual.roles[role];
  if (byRole) return { model: byRole, setting: `cost.counterfactual.roles.${role}` };
  return { model: cfg.counterfactual.default, setting: 'cost.counterfactual.default' };
}
