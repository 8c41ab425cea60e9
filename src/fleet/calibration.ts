// The calibration file `gth calibrate` writes and the planner reads: measured buffers, CUDA overhead, decode efficiency.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config/load.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { CacheType } from './plan-schema.js';
import type { HardwareProfile } from './hardware.js';

export const CALIBRATION_FILE = 'calibration.json';

const Buffers = z.strictObject({
  weightsMiB: z.number().nonnegative(),
  kvMiB: z.number().nonnegative(),
  computeMiB: z.number().nonnegative(),
});

export const CalibrationRun = z.strictObject({
  model: z.string().min(1),
  /** Layers of the model served (a synthetic model may have fewer than the real one). */
  layers: z.int().positive(),
  synthetic: z.boolean(),
  device: z.enum(['gpu', 'cpu']),
  slots: z.int().positive(),
  ctxPerSlot: z.int().positive(),
  cacheTypeK: CacheType,
  cacheTypeV: CacheType,
  flashAttn: z.enum(['on', 'off', 'auto']),
  args: z.array(z.string()),
  estimate: Buffers,
  measured: Buffers.extend({
    computeHostMiB: z.number().nonnegative(),
    rssMiB: z.number().nonnegative().nullable(),
    vramMiB: z.number().nonnegative().nullable(),
    slotCtx: z.array(z.int()),
  }),
  /** Per buffer: within target (weights and KV 2%, compute 10% or 16 MiB). */
  within: z.strictObject({ weights: z.boolean(), kv: z.boolean(), compute: z.boolean() }),
  /** --speed: decode tokens/s measured, and the bandwidth bound for this (synthetic) model. */
  genTokensPerSecond: z.number().positive().optional(),
  boundGen: z.number().positive().optional(),
});

export const Calibration = z.strictObject({
  at: z.string(),
  llamaServer: z.string(),
  device: z.enum(['gpu', 'cpu']),
  /** VRAM a llama-server process holds beyond its logged buffers (CUDA context, cuBLAS), when nvidia-smi answered. */
  cudaOverheadMiB: z.number().nonnegative().optional(),
  /** Measured decode / bandwidth bound (median over --speed runs): replaces hardware.decodeEfficiency. */
  decodeEfficiency: z.number().gt(0).max(1).optional(),
  runs: z.array(CalibrationRun),
});

export type CalibrationRun = z.infer<typeof CalibrationRun>;
export type Calibration = z.infer<typeof Calibration>;

export function calibrationPath(stateDir: string): string {
  return join(stateDir, CALIBRATION_FILE);
}

/** The saved calibration, or null when there is none; a broken file is an error naming it. */
export function readCalibration(stateDir: string): Calibration | null {
  const file = calibrationPath(stateDir);
  if (!existsSync(file)) return null;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message} (rerun gth calibrate or delete it)`, { cause: err });
  }
  const parsed = Calibration.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

export function writeCalibration(stateDir: string, c: Calibration): string {
  const file = calibrationPath(stateDir);
  writeFileAtomicSync(file, `${JSON.stringify(c, null, 2)}\n`);
  return file;
}

/** Hardware with calibrated figures laid over it; `notes` say what changed, for the plan. */
export function applyCalibration(h: HardwareProfile, c: Calibration | null): { hardware: HardwareProfile; notes: string[] } {
  if (!c) return { hardware: h, notes: [] };
  const notes: string[] = [];
  let gpu = h.gpu;
  let decodeEfficiency = h.decodeEfficiency;
  if (c.cudaOverheadMiB !== undefined) {
    gpu = { ...gpu, cudaOverheadMiB: c.cudaOverheadMiB };
    notes.push(`CUDA overhead ${Math.round(c.cudaOverheadMiB)} MiB per server measured by gth calibrate (${c.at})`);
  }
  if (c.decodeEfficiency !== undefined) {
    decodeEfficiency = c.decodeEfficiency;
    notes.push(`decode efficiency ${c.decodeEfficiency.toFixed(2)} of the bandwidth bound measured by gth calibrate --speed (${c.at})`);
  }
  return { hardware: { ...h, gpu, decodeEfficiency }, notes };
}

/** The issue's targets: weights and KV within 2%, compute within 10% or 16 MiB. */
export function withinTargets(estimate: z.infer<typeof Buffers>, measured: z.infer<typeof Buffers>): CalibrationRun['within'] {
  const rel = (e: number, m: number, share: number, floorMiB: number): boolean => Math.abs(e - m) <= Math.max(m * share, floorMiB);
  return {
    weights: rel(estimate.weightsMiB, measured.weightsMiB, 0.02, 0.5),
    kv: rel(estimate.kvMiB, measured.kvMiB, 0.02, 0.5),
    compute: rel(estimate.computeMiB, measured.computeMiB, 0.1, 16),
  };
}
