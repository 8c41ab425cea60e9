// Pure: the buffer sizes llama-server logs at start-up (model, KV, compute per device), summed per kind, and its request timings.

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

/** Tokens/s of the last finished request: prompt processing and decode. */
export interface LoggedTimings {
  prompt: number;
  gen: number;
  promptTokens: number;
  genTokens: number;
}

const TIMING = /(prompt eval|\beval) time =\s*([\d.]+) ms \/\s*(\d+) tokens/g;

/**
 * The newest `print_timing` pair a slot logs when a request ends, e.g.
 * `slot print_timing: id  0 | task 0 | prompt eval time =  2532.20 ms /  36 tokens (...)` then `eval time = ...`.
 * Read from the log rather than the response because the server logs them even when it fails the response
 * (random weights can write text its output parser rejects).
 */
export function parseLoggedTimings(log: string): LoggedTimings | null {
  let prompt: { ms: number; n: number } | undefined;
  let last: LoggedTimings | null = null;
  for (const m of log.matchAll(TIMING)) {
    const t = { ms: Number(m[2]), n: Number(m[3]) };
    if (m[1] === 'prompt eval') prompt = t;
    else if (prompt && t.ms > 0 && prompt.ms > 0) {
      last = { prompt: (prompt.n * 1000) / prompt.ms, gen: (t.n * 1000) / t.ms, promptTokens: prompt.n, genTokens: t.n };
      prompt = undefined;
    }
  }
  return last;
}
