// The calibration file `gth calibrate` writes and the planner reads: measured buffers, CUDA overhead, decode efficiency.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseJsonFile, validateFile } from '../config/load.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { CacheType } from './plan-schema.js';
import { threadsInArgs } from './command-line.js';
import type { HardwareProfile } from './hardware.js';
import type { ModelEntry, Speed } from './catalog-schema.js';
import type { Rule } from './switcher-schema.js';

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
  /** --speed: prompt tokens/s of the same request (about 200 prompt tokens). */
  promptTokensPerSecond: z.number().positive().optional(),
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
  return validateFile(file, Calibration, parseJsonFile(file, ' (rerun gth calibrate or delete it)'));
}

export function writeCalibration(stateDir: string, c: Calibration): string {
  const file = calibrationPath(stateDir);
  writeFileAtomicSync(file, `${JSON.stringify(c, null, 2)}\n`);
  return file;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;


/** A measured speed with the thread count it was measured at (so the planner can scale it to the cores a server gets). */
export type CalibratedSpeed = Speed & { threads?: number };

/**
 * Decode and prompt speeds measured by --speed on a whole model (a real GGUF, or a synthetic one with all its
 * layers: random weights decode as fast as real ones), per model. Only for models every switcher rule runs on
 * the calibrated device, so a CPU figure never stands for a GPU server. A cut-down model (--layers) gives none:
 * its efficiency goes into decodeEfficiency instead.
 */
export function calibratedSpeeds(c: Calibration | null, catalog: readonly ModelEntry[], rules: readonly Rule[]): Record<string, CalibratedSpeed> {
  const out: Record<string, CalibratedSpeed> = {};
  if (!c) return out;
  for (const m of catalog) {
    const uses = rules.filter((r) => r.model === m.name);
    if (!uses.length || uses.some((r) => r.device !== c.device)) continue;
    const runs = c.runs.filter((r) => r.model === m.name && r.device === c.device && (!r.synthetic || r.layers === m.arch.layers) && r.genTokensPerSecond && r.promptTokensPerSecond);
    if (!runs.length) continue;
    out[m.name] = { gen: median(runs.map((r) => r.genTokensPerSecond!)), prompt: median(runs.map((r) => r.promptTokensPerSecond!)) };
    // Known only when every run used the same count.
    const threads = new Set(runs.map((r) => threadsInArgs(r.args)));
    const [only] = threads;
    if (threads.size === 1 && only !== undefined) out[m.name]!.threads = only;
  }
  return out;
}

/** What the fleet config needs to take measured speeds from a calibration. */
export interface CalibrationFleet {
  catalog: readonly ModelEntry[];
  rules: readonly Rule[];
}

/**
 * Hardware with calibrated figures laid over it, and the speeds measured per model (given the fleet); `notes`
 * say what changed, for the plan.
 */
export function applyCalibration(h: HardwareProfile, c: Calibration | null, fleet?: CalibrationFleet): { hardware: HardwareProfile; notes: string[]; measured: Record<string, CalibratedSpeed> } {
  if (!c) return { hardware: h, notes: [], measured: {} };
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
  const measured = fleet ? calibratedSpeeds(c, fleet.catalog, fleet.rules) : {};
  for (const [model, sp] of Object.entries(measured)) {
    const at = sp.threads ? ` at ${sp.threads} thread${sp.threads > 1 ? 's' : ''}` : '';
    notes.push(`${model}: decode ${sp.gen.toFixed(1)} tok/s and prompt ${sp.prompt.toFixed(1)} tok/s on the ${c.device.toUpperCase()}${at} measured by gth calibrate --speed (${c.at})`);
  }
  return { hardware: { ...h, gpu, decodeEfficiency }, notes, measured };
}

/** The targets: weights and KV within 2%, compute within 10% or 16 MiB. */
export function withinTargets(estimate: z.infer<typeof Buffers>, measured: z.infer<typeof Buffers>): CalibrationRun['within'] {
  const rel = (e: number, m: number, share: number, floorMiB: number): boolean => Math.abs(e - m) <= Math.max(m * share, floorMiB);
  return {
    weights: rel(estimate.weightsMiB, measured.weightsMiB, 0.02, 0.5),
    kv: rel(estimate.kvMiB, measured.kvMiB, 0.02, 0.5),
    compute: rel(estimate.computeMiB, measured.computeMiB, 0.1, 16),
  };
}
