// Parses the real llama-server command-line flags the stand-in cares about; unknown flags are ignored.
export interface LlamaArgs {
  host: string;
  port: number;
  model?: string;
  alias?: string;
  apiKey?: string;
  parallel: number;
  ctxSize: number;
  metrics: boolean;
  slots: boolean;
  gpuLayers: number;
  threads: number;
}

// Flags that take a value, so the parser can skip the value of flags it does not use.
const VALUE_FLAGS = new Set([
  '--host', '--port', '-m', '--model', '--api-key', '-np', '--parallel', '-c', '--ctx-size', '-ngl', '--n-gpu-layers',
  '--gpu-layers', '-ctk', '--cache-type-k', '-ctv', '--cache-type-v', '-fa', '--flash-attn', '-t', '--threads',
  '-tb', '--threads-batch', '--n-cpu-moe', '-ncmoe', '--alias', '-a', '-b', '--batch-size', '-ub', '--ubatch-size',
  '--temp', '--top-k', '--top-p', '--min-p', '--seed', '-s', '-n', '--n-predict', '--chat-template', '--log-file',
  '--timeout', '-to', '--threads-http', '--cpu-range', '-C', '--cpu-mask', '--numa', '-sm', '--split-mode', '-mg',
  '--main-gpu', '-ts', '--tensor-split', '--reasoning-format', '--reasoning-budget', '--jinja-template', '-dev', '--device',
  '--cache-ram', '-cram',
]);

export function parseLlamaArgs(argv: string[]): LlamaArgs {
  const out: LlamaArgs = {
    host: '127.0.0.1', port: 8080, parallel: 1, ctxSize: 4096, metrics: false, slots: true, gpuLayers: 0, threads: 4,
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? '';
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const takesValue = VALUE_FLAGS.has(flag);
    const value = eq > 0 ? raw.slice(eq + 1) : takesValue ? argv[++i] : undefined;
    switch (flag) {
      case '--host': out.host = value ?? out.host; break;
      case '--port': out.port = Number(value); break;
      case '-m': case '--model': out.model = value; break;
      case '-a': case '--alias': out.alias = value; break;
      case '--api-key': out.apiKey = value; break;
      case '-np': case '--parallel': out.parallel = Math.max(1, Number(value) || 1); break;
      case '-c': case '--ctx-size': out.ctxSize = Number(value) || out.ctxSize; break;
      case '-ngl': case '--n-gpu-layers': case '--gpu-layers': out.gpuLayers = Number(value) || 0; break;
      case '-t': case '--threads': out.threads = Number(value) || out.threads; break;
      case '--metrics': out.metrics = true; break;
      case '--slots': out.slots = true; break;
      case '--no-slots': out.slots = false; break;
      default: break;
    }
  }
  return out;
}
