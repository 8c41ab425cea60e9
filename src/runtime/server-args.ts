// Pure: the llama-server command line for one planned server (binary, taskset pinning, host/port/key, metrics).
import { isAbsolute, join } from 'node:path';
import type { ServerPlan } from '../fleet/plan-schema.js';
import { formatCpuList } from '../fleet/hardware.js';

export interface Launch {
  file: string;
  args: string[];
  modelPath: string;
}

const MODEL_FLAGS = new Set(['-m', '--model']);
const NGL_FLAGS = new Set(['-ngl', '--n-gpu-layers', '--gpu-layers']);
const OWNED_FLAGS = new Set(['--host', '--port', '--api-key']);

export interface LaunchOptions {
  binary: string;
  modelsDir: string;
  host: string;
  port: number;
  apiKey: string;
  /** Use taskset when the plan pins cores (absent on machines without util-linux). */
  taskset: string | null;
  /** No NVIDIA GPU: force every layer onto the CPU. */
  cpuOnly: boolean;
  /** Added as `-lv N` unless the plan sets a verbosity. */
  logVerbosity?: number;
}

const VERBOSITY_FLAGS = new Set(['-lv', '--verbosity', '--log-verbosity', '-v', '--verbose', '--log-verbose']);

/** The plan's modelFile against the models folder (the contract); the `-m` value in args is replaced by it. */
export function resolveModelPath(plan: ServerPlan, modelsDir: string): string {
  return isAbsolute(plan.modelFile) ? plan.modelFile : join(modelsDir, plan.modelFile);
}

export function buildLaunch(plan: ServerPlan, o: LaunchOptions): Launch {
  const modelPath = resolveModelPath(plan, o.modelsDir);
  const args: string[] = [];
  let hasModel = false;
  let hasMetrics = false;
  let hasNgl = false;
  for (let i = 0; i < plan.args.length; i++) {
    const a = plan.args[i] ?? '';
    const flag = a.includes('=') && a.startsWith('--') ? a.slice(0, a.indexOf('=')) : a;
    // The plan must not set what the runtime owns; drop them with their value.
    if (OWNED_FLAGS.has(flag)) {
      if (flag === a) i++;
      continue;
    }
    if (MODEL_FLAGS.has(a)) {
      args.push(a, modelPath);
      i++;
      hasModel = true;
      continue;
    }
    if (NGL_FLAGS.has(a) && o.cpuOnly) {
      args.push(a, '0');
      i++;
      hasNgl = true;
      continue;
    }
    if (NGL_FLAGS.has(a)) hasNgl = true;
    if (a === '--metrics') hasMetrics = true;
    args.push(a);
  }
  if (!hasModel) args.unshift('-m', modelPath);
  if (o.cpuOnly && !hasNgl) args.push('-ngl', '0');
  if (!hasMetrics) args.push('--metrics');
  if (o.logVerbosity !== undefined && !plan.args.some((a) => VERBOSITY_FLAGS.has(a))) args.push('-lv', String(o.logVerbosity));
  args.push('--host', o.host, '--port', String(o.port), '--api-key', o.apiKey);
  if (o.taskset && plan.cpuCores.length > 0) {
    return { file: o.taskset, args: ['-c', formatCpuList(plan.cpuCores), o.binary, ...args], modelPath };
  }
  return { file: o.binary, args, modelPath };
}

/** The command line with the API key masked, for logs and status output. */
export function describeLaunch(l: Launch): string {
  const out = [l.file];
  for (let i = 0; i < l.args.length; i++) {
    out.push(l.args[i] ?? '');
    if (l.args[i] === '--api-key') {
      out.push('***');
      i++;
    }
  }
  return out.join(' ');
}
