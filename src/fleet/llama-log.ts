// Pure: the buffer sizes llama-server logs at start-up (model, KV, compute per device), summed per kind.

export interface LoggedBuffer {
  kind: 'model' | 'kv' | 'compute';
  /** ggml buffer name: CPU, CPU_Mapped, CPU_REPACK, CUDA0, CUDA_Host, ... */
  device: string;
  mib: number;
}

export interface LoggedSizes {
  buffers: LoggedBuffer[];
  /**
   * Weights: the model buffers (mapped file, device copies), not CPU_REPACK: a repacked tensor is a re-laid-out
   * copy of part of the mapped file, whose pages for it are then never read, so resident weights stay ~ the file.
   */
  modelMiB: number;
  /** Repacked copies (CPU_REPACK), reported apart. */
  repackMiB: number;
  /** Weights in device memory (CUDA*, not CUDA_Host). */
  modelDeviceMiB: number;
  kvMiB: number;
  /** Compute scratch on the devices that run the graph (CPU or CUDA*), not pinned host staging. */
  computeMiB: number;
  /** Pinned host staging buffers (CUDA_Host compute), which live in RAM. */
  computeHostMiB: number;
}

const LINE = /(\S+) (model|KV|compute) buffer size =\s+([\d.]+) MiB/g;
const isDevice = (d: string): boolean => /^(CUDA|ROCm|Vulkan|Metal|SYCL)\d*$/.test(d);

/**
 * Reads the last start-up in a log (a restarted server logs again; only the newest counts). Lines look like
 * `llama_kv_cache:        CPU KV buffer size =    18.00 MiB`.
 */
export function parseLoggedSizes(log: string): LoggedSizes {
  // Each start loads the model's metadata once (and the runtime writes a "gth: starting" line before it).
  const start = Math.max(log.lastIndexOf('gth: starting'), log.lastIndexOf('llama_model_loader: loaded meta data'));
  const text = start >= 0 ? log.slice(start) : log;
  const buffers: LoggedBuffer[] = [];
  for (const m of text.matchAll(LINE)) {
    const kind = m[2] === 'KV' ? 'kv' : (m[2] as 'model' | 'compute');
    buffers.push({ kind, device: m[1]!, mib: Number(m[3]) });
  }
  const sum = (f: (b: LoggedBuffer) => boolean): number => Math.round(buffers.filter(f).reduce((s, b) => s + b.mib, 0) * 100) / 100;
  return {
    buffers,
    modelMiB: sum((b) => b.kind === 'model' && !b.device.endsWith('_REPACK')),
    repackMiB: sum((b) => b.kind === 'model' && b.device.endsWith('_REPACK')),
    modelDeviceMiB: sum((b) => b.kind === 'model' && isDevice(b.device)),
    kvMiB: sum((b) => b.kind === 'kv'),
    computeMiB: sum((b) => b.kind === 'compute' && (isDevice(b.device) || b.device === 'CPU')),
    computeHostMiB: sum((b) => b.kind === 'compute' && !isDevice(b.device) && b.device !== 'CPU'),
  };
}

/** VmRSS of a process in MiB from /proc (Linux), or null where there is none. */
export function parseRssMiB(status: string): number | null {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : null;
}
