// Pure fit checks: a server starts only if the servers running plus it stay within VRAM and RAM budgets.
import type { GpuReading } from './gpu.js';

export interface Footprint {
  id: string;
  device: 'gpu' | 'cpu';
  vramMiB: number;
  ramMiB: number;
}

export interface FitInput {
  candidate: Footprint;
  running: readonly Footprint[];
  /** VRAM the plan may use: total minus the desktop reserve. */
  vramBudgetMiB: number;
  ramBudgetMiB: number;
  desktopReserveMiB: number;
  /** Live reading; null when there is no NVIDIA GPU. */
  gpu: GpuReading | null;
  /** VRAM in use by our own running servers according to nvidia-smi (MiB). */
  ownUsedMiB: number;
}

/** Returns null when the candidate fits, else the reason it does not. */
export function checkFit(input: FitInput): string | null {
  const { candidate, running } = input;
  const sumV = running.reduce((s, r) => s + r.vramMiB, 0);
  const sumR = running.reduce((s, r) => s + r.ramMiB, 0);
  if (candidate.device === 'gpu' && candidate.vramMiB > 0) {
    if (sumV + candidate.vramMiB > input.vramBudgetMiB) {
      return `${candidate.id} needs ${fmt(candidate.vramMiB)} MiB VRAM; with ${running.length} server(s) already using ${fmt(sumV)} MiB that exceeds the VRAM budget of ${fmt(input.vramBudgetMiB)} MiB`;
    }
    if (input.gpu) {
      // The desktop gets the larger of what it uses now and its reserve; our servers get what they
      // hold or, while still loading (not yet visible to nvidia-smi), what their estimates say.
      const desktop = Math.max(0, input.gpu.usedMiB - input.ownUsedMiB);
      const ours = Math.max(sumV, input.ownUsedMiB);
      const free = input.gpu.totalMiB - Math.max(desktop, input.desktopReserveMiB) - ours;
      if (candidate.vramMiB > free) {
        return `${candidate.id} needs ${fmt(candidate.vramMiB)} MiB VRAM but only ${fmt(Math.max(0, free))} MiB is free (nvidia-smi: ${fmt(input.gpu.usedMiB)} of ${fmt(input.gpu.totalMiB)} MiB used, desktop ${fmt(desktop)} MiB, desktop reserve ${fmt(input.desktopReserveMiB)} MiB)`;
      }
    }
  }
  if (sumR + candidate.ramMiB > input.ramBudgetMiB) {
    return `${candidate.id} needs ${fmt(candidate.ramMiB)} MiB RAM; with ${fmt(sumR)} MiB already planned that exceeds the RAM budget of ${fmt(input.ramBudgetMiB)} MiB`;
  }
  return null;
}

const fmt = (x: number): string => String(Math.round(x));
