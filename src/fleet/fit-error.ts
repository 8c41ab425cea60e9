// Explains a model that cannot fit the profile: what it needs, by how many MiB it misses, and what would fit instead.
import type { ModelEntry } from './catalog-schema.js';
import type { FleetConfig } from './config.js';
import { ramBudgetMiB, vramBudgetMiB } from './hardware.js';
import { isMisfit, roundCtx, sizeServer, type Misfit } from './server-sizing.js';

const mib = (x: number): string => `${Math.ceil(x).toLocaleString('en-US')} MiB`;

export function fitErrorMessage(model: ModelEntry, device: 'gpu' | 'cpu', m: Misfit, cfg: FleetConfig, ctxPerSlot: number): string {
  const h = cfg.hardware;
  const e = m.estimate;
  const shape = `1 slot of ${ctxPerSlot} tokens${m.shape.nCpuMoe ? `, experts of ${m.shape.nCpuMoe} layers in RAM` : ''}`;
  const parts: string[] = [];
  if (m.vramMissMiB > 0) {
    parts.push(
      `${model.name} on the GPU needs ${mib(e.vramMiB)} of VRAM with ${shape} (weights ${mib(e.weightsVramMiB)} + KV ${mib(e.kvMiB)} + compute ${mib(e.computeMiB)} + CUDA ${mib(e.overheadMiB)}) ` +
        `but the profile leaves ${mib(vramBudgetMiB(h))} (gpu.vramMiB ${h.gpu.vramMiB} minus gpu.desktopReserveMiB ${h.gpu.desktopReserveMiB} minus gpu.safetyMarginMiB ${h.gpu.safetyMarginMiB}): misses by ${mib(m.vramMissMiB)}`,
    );
  }
  if (m.ramMissMiB > 0) {
    parts.push(`${model.name} on the ${device.toUpperCase()} needs ${mib(e.ramMiB)} of RAM but the profile leaves ${mib(ramBudgetMiB(h))} (ramMiB minus ramReserveMiB): misses by ${mib(m.ramMissMiB)}`);
  }
  const fits: string[] = [];
  for (const other of cfg.catalog) {
    if (other.name === model.name || !other.speed[device]) continue;
    const sized = sizeServer(other, device, 1, roundCtx(ctxPerSlot, other.arch.contextLength), cfg.switcher, h);
    if (!isMisfit(sized)) fits.push(`${other.name} (${mib(device === 'gpu' ? sized.estimate.vramMiB : sized.estimate.ramMiB)})`);
  }
  const alt = fits.length
    ? `Would fit on the ${device.toUpperCase()}: ${fits.join(', ')}`
    : `No catalog model fits on the ${device.toUpperCase()} with this profile`;
  return `${parts.join('; ')}. ${alt}.`;
}
