// The `runtime` section of gastown.yml: llama-server binary, state folder, timeouts, restart and VRAM-watch policy.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, configSection, type RawConfig } from '../config/load.js';
import { HardwareProfile } from '../fleet/hardware.js';
import { EndpointConfig } from './endpoint/config.js';

const ms = z.int().positive();

export const RestartPolicy = z.strictObject({
  /** First delay after a crash; doubles per crash in the window. */
  backoffMs: ms.default(1000),
  maxBackoffMs: ms.default(30_000),
  /** K crashes within windowMs mark the model unhealthy (the switcher then uses its fallback). */
  maxCrashes: z.int().positive().default(3),
  windowMs: ms.default(600_000),
});

export const VramWatchPolicy = z.strictObject({
  pollMs: ms.default(5000),
  /** Desktop VRAM above the reserve by this much pauses new work. */
  pauseGrowthMiB: z.number().nonnegative().default(256),
  /** Desktop VRAM above the reserve by this much stops the least important GPU server. */
  stopGrowthMiB: z.number().nonnegative().default(1024),
});

export const RuntimeConfig = z.strictObject({
  /** llama-server binary (name on PATH or path); $GTH_LLAMA_SERVER overrides. */
  binary: z.string().min(1).default('llama-server'),
  nvidiaSmi: z.string().min(1).default('nvidia-smi'),
  /** State folder for pid/state files, logs and measured speeds; $GTH_STATE_DIR overrides. */
  stateDir: z.string().min(1).default('.gastown-state'),
  readyTimeoutMs: ms.default(300_000),
  healthIntervalMs: ms.default(2000),
  /** Consecutive failed /health probes that count as a crash. */
  healthFailures: z.int().positive().default(3),
  metricsIntervalMs: ms.default(15_000),
  drainTimeoutMs: ms.default(120_000),
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceMs: ms.default(10_000),
  restart: RestartPolicy.default(RestartPolicy.parse({})),
  vram: VramWatchPolicy.default(VramWatchPolicy.parse({})),
  /** llama-server log verbosity; 4 logs the model, KV and compute buffer sizes to compare with the plan. */
  logVerbosity: z.int().min(0).max(5).default(4),
  /** Fixed ports per server id (e.g. to match providers.local.baseUrl); others get a free port. */
  ports: z.record(z.string(), z.int().min(1).max(65535)).default({}),
  /** Expected sha256 per GGUF file name; checked before a start (hash cached by size and mtime). */
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/i, 'expected 64 hex digits')).default({}),
  /** The fleet's one OpenAI-compatible endpoint (`gth runtime up` serves it). */
  endpoint: EndpointConfig.default(EndpointConfig.parse({})),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;
export type RuntimeConfigInput = z.input<typeof RuntimeConfig>;
export type RestartPolicy = z.infer<typeof RestartPolicy>;
export type VramWatchPolicy = z.infer<typeof VramWatchPolicy>;

/** Everything the supervisor needs, with paths resolved and env overrides applied. */
export interface RuntimeSettings extends RuntimeConfig {
  modelsDir: string;
  desktopReserveMiB: number;
  /** Total VRAM the plan assumes when nvidia-smi cannot say. */
  vramMiB: number;
  ramBudgetMiB: number;
}

export function resolveRuntimeSettings(
  runtime: RuntimeConfig,
  hardware: HardwareProfile,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): RuntimeSettings {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  return {
    ...runtime,
    binary: env.GTH_LLAMA_SERVER || runtime.binary,
    stateDir: abs(env.GTH_STATE_DIR || runtime.stateDir),
    modelsDir: abs(hardware.modelsDir),
    desktopReserveMiB: hardware.gpu.desktopReserveMiB,
    vramMiB: hardware.gpu.vramMiB,
    ramBudgetMiB: hardware.ramMiB - hardware.ramReserveMiB,
  };
}

/** Reads the runtime and hardware sections; a problem in either throws one ConfigError listing them all. */
export function loadRuntimeSettings(raw: RawConfig, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RuntimeSettings {
  const problems: string[] = [];
  let runtime: RuntimeConfig | undefined;
  let hardware: HardwareProfile | undefined;
  try {
    runtime = configSection(raw, 'runtime', RuntimeConfig, {});
  } catch (err) {
    problems.push((err as Error).message);
  }
  try {
    hardware = configSection(raw, 'hardware', HardwareProfile, {});
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (!runtime || !hardware) {
    throw new ConfigError(problems.join('\n'));
  }
  return resolveRuntimeSettings(runtime, hardware, env, cwd);
}

/** Settings for tests and library callers: defaults plus overrides. */
export function runtimeSettings(overrides: Partial<RuntimeSettings> & { stateDir: string; modelsDir: string }): RuntimeSettings {
  const base = RuntimeConfig.parse({});
  return { desktopReserveMiB: 1700, vramMiB: 10240, ramBudgetMiB: 114688, ...base, ...overrides };
}
