// Shared setup for runtime tests: temp state/models folders, stand-in binaries on PATH, hand-built plans.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServerPlan } from '../../../src/fleet/plan-schema.js';
import { runtimeSettings, type RuntimeSettings } from '../../../src/runtime/config.js';

export const DOUBLES_BIN = resolve(import.meta.dirname, '../../doubles/bin');
export const STANDIN = join(DOUBLES_BIN, 'llama-server');

export interface Sandbox {
  dir: string;
  stateDir: string;
  modelsDir: string;
  smiState: string;
  env: NodeJS.ProcessEnv;
  settings: (over?: Partial<RuntimeSettings>) => RuntimeSettings;
  setGpu: (usedMiB: number, totalMiB?: number, apps?: { pid: number; usedMiB: number }[]) => void;
}

export function sandbox(extraEnv: Record<string, string> = {}, withGpu = true): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'gth-runtime-'));
  const stateDir = join(dir, 'state');
  const modelsDir = join(dir, 'models');
  const smiState = join(dir, 'nvidia-smi.json');
  const setGpu = (usedMiB: number, totalMiB = 10240, apps: { pid: number; usedMiB: number }[] = []): void => {
    writeFileSync(smiState, JSON.stringify({ gpus: [{ memoryUsedMiB: usedMiB, memoryTotalMiB: totalMiB, powerDrawW: 40, utilizationPct: 5 }], apps: apps.map((a) => ({ pid: a.pid, usedMemoryMiB: a.usedMiB })) }));
  };
  setGpu(1000);
  const basePath = (process.env.PATH ?? '').split(':').filter((p) => !p.includes('test/doubles')).join(':');
  const env: NodeJS.ProcessEnv = {
    PATH: withGpu ? `${DOUBLES_BIN}:${basePath}` : basePath,
    HOME: process.env.HOME,
    FAKE_NVIDIA_SMI_STATE: smiState,
    GTH_LOG_LEVEL: 'silent',
    // Child processes inherit the test runner's environment: a real binary named there must not replace the stand-in.
    GTH_LLAMA_SERVER: '',
    ...extraEnv,
  };
  const settings = (over: Partial<RuntimeSettings> = {}): RuntimeSettings =>
    runtimeSettings({
      stateDir, modelsDir, binary: STANDIN, readyTimeoutMs: 20_000, healthIntervalMs: 200, stopGraceMs: 3000, drainTimeoutMs: 10_000,
      metricsIntervalMs: 60_000, vram: { pollMs: 150, pauseGrowthMiB: 256, stopGrowthMiB: 1024 }, ...over,
    });
  return { dir, stateDir, modelsDir, smiState, env, settings, setGpu };
}

export function makeModel(modelsDir: string, file: string, content = 'GGUF stand-in weights'): string {
  mkdirSync(modelsDir, { recursive: true });
  const path = join(modelsDir, file);
  writeFileSync(path, content);
  return path;
}

export function plan(id: string, over: Partial<ServerPlan> = {}): ServerPlan {
  return ServerPlan.parse({
    id, model: `model-${id}`, modelFile: `${id}.gguf`, device: 'gpu', roles: ['polecat'], slots: 2, ctxPerSlot: 2048,
    cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true, gpuLayers: 99, threads: 2, cpuCores: [], vramMiB: 2000, ramMiB: 300,
    args: ['-m', `${id}.gguf`, '-np', '2', '-c', '4096', '-ctk', 'q8_0', '-ctv', 'q4_0', '-fa', 'on', '-ngl', '99', '-t', '2'],
    commandLine: `llama-server -m ${id}.gguf`, importance: 0, tokensPerSecond: 50, tokensPerSecondSource: 'catalog', ...over,
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function alive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
