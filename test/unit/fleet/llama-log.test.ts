import { describe, expect, it } from 'vitest';
import { parseLoggedSizes, parseLoggedTimings, parseRssMiB } from '../../../src/fleet/llama-log.js';

// Lines as llama.cpp 3.21.1 prints them (load_tensors, llama_kv_cache, llama_context), twice: a restart logs again.
const START = [
  '=== 2026-11-30T00:00:00Z gth: starting llama-server -m x.gguf',
  'llama_model_loader: loaded meta data with 30 key-value pairs and 26 tensors from x.gguf (version GGUF V3 (latest))',
  'load_tensors: loading model tensors, this can take a while... (mmap = true)',
  'load_tensors:   CPU_Mapped model buffer size =   243.56 MiB',
  'load_tensors:   CPU_REPACK model buffer size =    82.70 MiB',
  'load_tensors:        CUDA0 model buffer size =  1500.00 MiB',
  'llama_kv_cache:        CUDA0 KV buffer size =    13.00 MiB',
  'llama_context:      CUDA0 compute buffer size =    80.63 MiB',
  'llama_context:  CUDA_Host compute buffer size =    12.02 MiB',
].join('\n');

describe('llama-server start-up log', () => {
  it('sums model, KV and compute buffers per kind and keeps pinned host staging apart', () => {
    const s = parseLoggedSizes(`old junk\nload_tensors:   CPU_Mapped model buffer size =   999.00 MiB\n${START}\n`);
    expect(s.modelMiB).toBeCloseTo(243.56 + 1500, 2);
    expect(s.repackMiB).toBe(82.7);
    expect(s.modelDeviceMiB).toBe(1500);
    expect(s.kvMiB).toBe(13);
    expect(s.computeMiB).toBe(80.63);
    expect(s.computeHostMiB).toBe(12.02);
  });

  it('reads only the newest start when the server was restarted', () => {
    const twice = `${START}\n${START.replace('13.00', '26.00')}`;
    expect(parseLoggedSizes(twice).kvMiB).toBe(26);
  });

  it('reads VmRSS from /proc/<pid>/status', () => {
    expect(parseRssMiB('Name:\tllama-server\nVmRSS:\t  471040 kB\n')).toBe(460);
    expect(parseRssMiB('Name: x\n')).toBeNull();
  });
});

describe('llama-server request timings', () => {
  it('reads the newest prompt/decode pair, even after a failed response', () => {
    const log = [
      '0.27.393.442 I slot print_timing: id  0 | task 0 | prompt eval time =    2532.20 ms /    36 tokens (   70.34 ms per token,    14.22 tokens per second)',
      '0.27.393.569 I slot print_timing: id  0 | task 0 |        eval time =   16363.92 ms /    48 tokens (  348.17 ms per token,     2.87 tokens per second)',
      '0.27.393.587 I slot print_timing: id  0 | task 0 |       total time =   18896.12 ms /    84 tokens',
      'srv    send_error: task id = 0, error: The model produced output that does not match the expected Content-only format',
      '0.54.833.424 I slot print_timing: id  0 | task 99 | prompt eval time =     400.00 ms /   200 tokens (    2.00 ms per token,   500.00 tokens per second)',
      '0.54.833.434 I slot print_timing: id  0 | task 99 |        eval time =    2000.00 ms /    48 tokens (   41.67 ms per token,    24.00 tokens per second)',
    ].join('\n');
    expect(parseLoggedTimings(log)).toEqual({ prompt: 500, gen: 24, promptTokens: 200, genTokens: 48 });
    expect(parseLoggedTimings(log.split('\n').slice(0, 3).join('\n'))!.gen).toBeCloseTo(2.933, 3);
    expect(parseLoggedTimings('load_tensors: CPU model buffer size = 1.00 MiB')).toBeNull();
  });
});
