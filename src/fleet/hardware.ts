// Hardware profile (GPU, CPU cores, RAM) with the seed's PC as the built-in default, plus core-id helpers.
import { z } from 'zod';

export const GpuProfile = z.strictObject({
  name: z.string().min(1).default('NVIDIA GeForce RTX 3080'),
  vramMiB: z.number().nonnegative().default(10240),
  /** Browser + Godot + IDE; the seed measured 1.1 to 1.65 GB, so 1700 MiB keeps the desktop usable. */
  desktopReserveMiB: z.number().nonnegative().default(1700),
  /** Per llama-server process: CUDA context, cuBLAS workspace and driver allocations. */
  cudaOverheadMiB: z.number().nonnegative().default(300),
  /** Kept free beyond the desktop reserve for estimate error and allocator fragmentation; printed in the plan. */
  safetyMarginMiB: z.number().nonnegative().default(256),
  /** Memory bandwidth (GB/s, 10^9 bytes): decode reads every active weight once per token. RTX 3080: 760. */
  memoryBandwidthGBps: z.number().positive().default(760),
});

export const CpuProfile = z.strictObject({
  name: z.string().min(1).default('Intel Core i7-12700KF'),
  pCores: z.int().nonnegative().default(8),
  threadsPerPCore: z.int().positive().default(2),
  eCores: z.int().nonnegative().default(4),
  /** Highest-numbered P-cores kept free for the human (the seed keeps 2). */
  reservedPCores: z.int().nonnegative().default(2),
});

export const HardwareProfile = z
  .strictObject({
    gpu: GpuProfile.default(GpuProfile.parse({})),
    cpu: CpuProfile.default(CpuProfile.parse({})),
    ramMiB: z.number().nonnegative().default(131072),
    /** RAM left to the OS, desktop apps and page cache. */
    ramReserveMiB: z.number().nonnegative().default(16384),
    /** Folder holding the GGUF files; `-m` paths and header reads resolve against it. */
    modelsDir: z.string().min(1).default('models'),
    /** System RAM bandwidth (GB/s): DDR5-4800 dual channel = 4800 MT/s x 8 bytes x 2 = 76.8. */
    ramBandwidthGBps: z.number().positive().default(76.8),
    /** Share of the bandwidth bound llama.cpp's decode reaches (measured ~0.73); derived speeds use it. */
    decodeEfficiency: z.number().gt(0).max(1).default(0.73),
    /** Sequential read speed used to estimate model load time between waves. */
    diskMiBps: z.number().positive().default(2000),
  })
  .superRefine((h, ctx) => {
    if (h.cpu.reservedPCores > h.cpu.pCores) {
      ctx.addIssue({
        code: 'custom',
        path: ['cpu', 'reservedPCores'],
        message: `keeps ${h.cpu.reservedPCores} P-cores for the human but the CPU has only ${h.cpu.pCores}`,
      });
    }
    if (h.gpu.desktopReserveMiB + h.gpu.safetyMarginMiB > h.gpu.vramMiB) {
      ctx.addIssue({ code: 'custom', path: ['gpu', 'desktopReserveMiB'], message: `plus gpu.safetyMarginMiB is larger than gpu.vramMiB (${h.gpu.vramMiB})` });
    }
    if (h.ramReserveMiB > h.ramMiB) {
      ctx.addIssue({ code: 'custom', path: ['ramReserveMiB'], message: `is larger than ramMiB (${h.ramMiB})` });
    }
  });

export type HardwareProfile = z.infer<typeof HardwareProfile>;
export type HardwareProfileInput = z.input<typeof HardwareProfile>;

export const DEFAULT_HARDWARE: HardwareProfile = HardwareProfile.parse({});

export type CoreClass = 'p' | 'e';

/** One physical core the planner may hand out, with its logical CPU ids for taskset. */
export interface PhysicalCore {
  cls: CoreClass;
  /** Index within its class (P-core 0..n-1, E-core 0..m-1). */
  index: number;
  logical: number[];
}

/** Physical cores agents may use: all P-cores except the reserved top ones, then all E-cores. */
export function usableCores(h: HardwareProfile): PhysicalCore[] {
  const { pCores, threadsPerPCore, eCores, reservedPCores } = h.cpu;
  const out: PhysicalCore[] = [];
  for (let i = 0; i < pCores - reservedPCores; i++) {
    out.push({ cls: 'p', index: i, logical: Array.from({ length: threadsPerPCore }, (_, t) => i * threadsPerPCore + t) });
  }
  // Linux numbers E-cores after all P-core hyperthreads (i7-12700KF: logical 16-19).
  for (let j = 0; j < eCores; j++) out.push({ cls: 'e', index: j, logical: [pCores * threadsPerPCore + j] });
  return out;
}

export function totalPhysicalCores(h: HardwareProfile): number {
  return h.cpu.pCores + h.cpu.eCores;
}

/** VRAM the planner may fill: total minus the desktop reserve minus the stated safety margin. */
export function vramBudgetMiB(h: HardwareProfile): number {
  return h.gpu.vramMiB - h.gpu.desktopReserveMiB - h.gpu.safetyMarginMiB;
}

export function ramBudgetMiB(h: HardwareProfile): number {
  return h.ramMiB - h.ramReserveMiB;
}

/** "0-11,19" style list for taskset -c. */
export function formatCpuList(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
