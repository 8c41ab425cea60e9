// Human-readable text of a calibration: estimate vs measured per buffer and run, and what the planner will use.
import type { Calibration } from './calibration.js';
import { formatTable } from '../cli/output.js';

const f = (x: number): string => x.toFixed(1);
const mark = (ok: boolean): string => (ok ? 'ok' : 'OFF');

export function renderCalibration(c: Calibration, file: string | null): string {
  const rows = c.runs.map((r) => [
    `${r.model}${r.synthetic ? ` (synthetic, ${r.layers} layers)` : ''}`,
    `${r.slots} x ${r.ctxPerSlot}`,
    `${r.cacheTypeK}/${r.cacheTypeV} fa ${r.flashAttn}`,
    `${f(r.estimate.weightsMiB)} / ${f(r.measured.weightsMiB)} ${mark(r.within.weights)}`,
    `${f(r.estimate.kvMiB)} / ${f(r.measured.kvMiB)} ${mark(r.within.kv)}`,
    `${f(r.estimate.computeMiB)} / ${f(r.measured.computeMiB)} ${mark(r.within.compute)}`,
    r.measured.rssMiB === null ? '-' : f(r.measured.rssMiB),
    r.genTokensPerSecond ? `${f(r.genTokensPerSecond)} (bound ${f(r.boundGen ?? 0)})${r.promptTokensPerSecond ? `, prompt ${f(r.promptTokensPerSecond)}` : ''}` : '-',
  ]);
  const out = [
    `Calibration against ${c.llamaServer} on the ${c.device.toUpperCase()} (${c.at})`,
    'MiB as estimate / measured; targets: weights and KV within 2%, compute within 10% or 16 MiB',
    formatTable(['model', 'slots x ctx', 'cache', 'weights', 'KV', 'compute', 'RSS', 'decode tok/s'], rows),
  ];
  if (c.cudaOverheadMiB !== undefined) out.push(`CUDA overhead per server (VRAM beyond the logged buffers): ${f(c.cudaOverheadMiB)} MiB`);
  if (c.decodeEfficiency !== undefined) out.push(`Decode efficiency (measured / bandwidth bound): ${c.decodeEfficiency.toFixed(2)}`);
  out.push(file ? `Saved to ${file}; gth plan reads it.` : 'Not saved (--no-save).');
  return out.join('\n');
}
