// Builds the exact llama-server arguments and the human-readable command line (taskset included) for a server.
import type { ServerShape } from './estimator.js';
import { formatCpuList } from './hardware.js';

export interface CommandInput {
  modelPath: string;
  alias: string;
  shape: ServerShape;
  gpuLayers: number;
  threads: number;
  cpuCores: readonly number[];
}

/** The threads (`--threads` or `-t`, the last one given, as llama.cpp reads them) of a llama-server argument list. */
export function threadsInArgs(args: readonly string[]): number | undefined {
  let n = NaN;
  args.forEach((a, i) => {
    if (a === '--threads' || a === '-t') n = Number(args[i + 1]);
  });
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Arguments without binary, --host, --port and --api-key (the runtime adds those). */
export function llamaServerArgs(c: CommandInput): string[] {
  const { shape } = c;
  const args = [
    '-m', c.modelPath,
    '--alias', c.alias,
    // -c is the total context; llama-server splits it evenly over the --parallel slots.
    '-c', String(shape.slots * shape.ctxPerSlot),
    '--parallel', String(shape.slots),
    '-ngl', String(c.gpuLayers),
    '-ctk', shape.cacheTypeK,
    '-ctv', shape.cacheTypeV,
    '--flash-attn', shape.flashAttnFlag ?? (shape.flashAttention ? 'on' : 'off'),
    '--threads', String(c.threads),
    '--threads-batch', String(c.threads),
  ];
  if (shape.nCpuMoe > 0) args.push('--n-cpu-moe', String(shape.nCpuMoe));
  // Caps the prompt cache llama-server keeps in RAM (8 GiB by default), so the planner's RAM figure holds.
  if (shape.cacheRamMiB !== undefined) args.push('--cache-ram', String(shape.cacheRamMiB));
  // A CUDA build would otherwise still grab VRAM for a CPU-only server.
  if (shape.device === 'cpu') args.push('--device', 'none');
  args.push('--metrics');
  return args;
}

const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

export function commandLine(args: readonly string[], cpuCores: readonly number[]): string {
  const pin = cpuCores.length ? `taskset -c ${formatCpuList(cpuCores)} ` : '';
  return `${pin}llama-server ${args.map(quote).join(' ')}`;
}
