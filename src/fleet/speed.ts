// Decode speed derived from memory bandwidth: every weight a token touches is read once per generated token. Pure.
import type { ModelEntry, Speed } from './catalog-schema.js';
import type { HardwareProfile } from './hardware.js';
import { weightSplit, type ServerShape } from './estimator.js';

export type SpeedSource = 'measured' | 'derived' | 'catalog';

/** Bytes one generated token reads, split by where they sit: VRAM (GPU bandwidth) or RAM (system bandwidth). */
export interface BytesPerToken {
  gpu: number;
  ram: number;
}

/**
 * Dense: every layer plus the output head. MoE: attention, router and shared experts of every layer, but only
 * `used / count` of the routed experts; those of the first `nCpuMoe` MoE layers are read from RAM.
 * A CPU server reads everything from RAM. The token embedding is one row per token: negligible.
 */
export function bytesPerToken(model: ModelEntry, device: 'gpu' | 'cpu', nCpuMoe = 0): BytesPerToken {
  const split = weightSplit(model);
  const active = model.arch.moe ? model.arch.moe.used / model.arch.moe.count : 1;
  let gpu = split.outputBytes;
  let ram = 0;
  for (let i = 0, moe = 0; i < split.layerBytes.length; i++) {
    const experts = split.expertBytes[i]!;
    gpu += split.layerBytes[i]! - experts;
    if (experts > 0 && moe++ < nCpuMoe) ram += experts * active;
    else gpu += experts * active;
  }
  return device === 'cpu' ? { gpu: 0, ram: gpu + ram } : { gpu, ram };
}

/** The bandwidth bound in tokens/s for one sequence (no efficiency factor): no real decode can beat it. */
export function bandwidthBound(model: ModelEntry, device: 'gpu' | 'cpu', nCpuMoe: number, h: HardwareProfile): number {
  const b = bytesPerToken(model, device, nCpuMoe);
  const seconds = b.gpu / (h.gpu.memoryBandwidthGBps * 1e9) + b.ram / (h.ramBandwidthGBps * 1e9);
  return 1 / seconds;
}

/** Derived decode speed: bound x the stated efficiency (llama.cpp reaches ~73% of the bound). */
export function derivedGen(model: ModelEntry, device: 'gpu' | 'cpu', nCpuMoe: number, h: HardwareProfile): number {
  return bandwidthBound(model, device, nCpuMoe, h) * h.decodeEfficiency;
}

export interface ResolvedSpeed {
  speed: Speed;
  /** Where the decode figure came from. */
  source: SpeedSource;
  /** Where the prompt figure came from (prompt processing is compute-bound, so it is never derived). */
  promptSource: 'measured' | 'catalog';
  /** Bandwidth bound for one sequence, tokens/s. */
  boundGen: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Measured (calibration or the runtime) beats derived beats catalog; no figure may exceed the bandwidth bound,
 * so a measured or catalog figure above it is clipped to it.
 */
export function resolveSpeed(
  model: ModelEntry,
  shape: Pick<ServerShape, 'device' | 'nCpuMoe'>,
  h: HardwareProfile,
  measured?: Speed,
): ResolvedSpeed {
  const boundGen = bandwidthBound(model, shape.device, shape.nCpuMoe, h);
  const catalogPrompt = model.speed[shape.device]?.prompt ?? 10;
  if (measured) {
    return { speed: { gen: r1(Math.min(measured.gen, boundGen)), prompt: measured.prompt }, source: 'measured', promptSource: 'measured', boundGen: r1(boundGen) };
  }
  return { speed: { gen: r1(derivedGen(model, shape.device, shape.nCpuMoe, h)), prompt: catalogPrompt }, source: 'derived', promptSource: 'catalog', boundGen: r1(boundGen) };
}
