// Pure: from a VRAM reading, how much the desktop uses and whether to pause new work or stop a server.
import type { ComputeApp, GpuReading } from './gpu.js';
import type { VramWatchPolicy } from './config.js';

export interface PressureInput {
  reading: GpuReading;
  apps: readonly ComputeApp[];
  /** Pids of our llama-server processes. */
  ownPids: ReadonlySet<number>;
  desktopReserveMiB: number;
  policy: VramWatchPolicy;
}

export interface PressureDecision {
  /** VRAM used by everything that is not one of our servers. */
  desktopMiB: number;
  ownMiB: number;
  level: 'ok' | 'pause' | 'stop';
  reason: string | null;
}

export function assessPressure(i: PressureInput): PressureDecision {
  const ownMiB = i.apps.filter((a) => i.ownPids.has(a.pid)).reduce((s, a) => s + a.usedMiB, 0);
  const desktopMiB = Math.max(0, i.reading.usedMiB - ownMiB);
  const growth = desktopMiB - i.desktopReserveMiB;
  if (growth >= i.policy.stopGrowthMiB) {
    return { desktopMiB, ownMiB, level: 'stop', reason: `desktop uses ${Math.round(desktopMiB)} MiB VRAM, ${Math.round(growth)} MiB over its ${i.desktopReserveMiB} MiB reserve` };
  }
  if (growth >= i.policy.pauseGrowthMiB) {
    return { desktopMiB, ownMiB, level: 'pause', reason: `desktop uses ${Math.round(desktopMiB)} MiB VRAM, ${Math.round(growth)} MiB over its ${i.desktopReserveMiB} MiB reserve` };
  }
  return { desktopMiB, ownMiB, level: 'ok', reason: null };
}
