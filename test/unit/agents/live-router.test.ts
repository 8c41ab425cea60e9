// The real run's router: switcher ladders per prompt size, fallbacks for flagged/unhealthy models, running servers only.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveRouter, ladderFor } from '../../../src/agents/engine/live-router.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { ProvidersConfig } from '../../../src/providers/config.js';
import { writeServerState, writeHealth, writePressure } from '../../../src/runtime/state-store.js';
import { Bead } from '../../../src/beads/schema.js';

const fleet = loadFleetConfig({ file: null, data: {} });
const at = '2026-01-01T00:00:00.000Z';
const bead = (tokens: number) => Bead.parse({ id: 'ab-1', title: 'x', role: 'polecat', tokenEstimate: tokens, createdAt: at, updatedAt: at });
let state: string;
beforeEach(() => void (state = mkdtempSync(join(tmpdir(), 'gth-router-'))));
afterEach(() => rmSync(state, { recursive: true, force: true }));

function running(model: string, port: number): void {
  writeServerState(state, {
    id: `gpu-${model.toLowerCase()}`, model, modelPath: `/models/${model}.gguf`, device: 'gpu', pid: process.pid, port,
    url: `http://127.0.0.1:${port}`, apiKey: `key-${port}`, status: 'ready', startedAt: at, readyAt: at, restarts: 0,
    logFile: '/dev/null', importance: 1, vramMiB: 1000, ramMiB: 100, lastError: null,
  });
}

describe('ladderFor', () => {
  it('follows the switcher bands and ends in the cloud', () => {
    expect(ladderFor('polecat', 4000, fleet, new Set()).map((r) => r.model)).toEqual([
      'Qwen2.5-Coder-3B-Instruct', 'Qwen2.5-Coder-7B-Instruct', 'Qwen3-Coder-30B-A3B-Instruct', 'gemini-3-flash-preview',
    ]);
    expect(ladderFor('polecat', 9000, fleet, new Set()).map((r) => r.model)).toEqual([
      'Qwen2.5-Coder-7B-Instruct', 'Qwen3-Coder-30B-A3B-Instruct', 'gemini-3-flash-preview',
    ]);
    expect(ladderFor('mayor', 2000, fleet, new Set())).toEqual([{ model: 'gemini-3-pro-preview', device: 'cloud' }]);
  });

  it('swaps a model the runtime marked unhealthy for its catalog fallback', () => {
    const ladder = ladderFor('polecat', 4000, fleet, new Set(['Qwen2.5-Coder-3B-Instruct'])).map((r) => r.model);
    expect(ladder[0]).toBe('DeepSeek-Coder-V2-Lite-Instruct');
    expect(ladder).not.toContain('Qwen2.5-Coder-3B-Instruct');
  });
});

describe('LiveRouter', () => {
  it('uses only models with a ready server, with the per-start key, then the cloud when a key is set', async () => {
    running('Qwen2.5-Coder-7B-Instruct', 18080);
    const router = new LiveRouter({ fleet, providers: ProvidersConfig.parse({}), stateDir: state, deps: { env: { GEMINI_API_KEY: 'k' } } });
    const first = await router.choose('polecat', 0, bead(4000));
    expect(first!.label).toBe('local:Qwen2.5-Coder-7B-Instruct');
    expect((await router.choose('polecat', 1, bead(4000)))!.label).toBe('cloud:gemini-3-flash-preview');
    expect(await router.choose('polecat', 2, bead(4000))).toBeNull();
  });

  it('has no cloud rung without a key, but refuses the Mayor with the setting named', async () => {
    const router = new LiveRouter({ fleet, providers: ProvidersConfig.parse({}), stateDir: state, deps: { env: {} } });
    expect(await router.choose('polecat', 0, bead(4000))).toBeNull();
    await expect(router.choose('mayor', 0)).rejects.toThrow(/GEMINI_API_KEY is not set: the mayor runs on Gemini/);
  });

  it('skips a model marked unhealthy in the runtime state', async () => {
    running('Qwen2.5-Coder-3B-Instruct', 18081);
    running('Qwen2.5-Coder-7B-Instruct', 18082);
    writeHealth(state, { models: { 'Qwen2.5-Coder-3B-Instruct': { unhealthy: true, crashes: [1, 2, 3], since: at, reason: 'crashed 3 times' } } });
    const router = new LiveRouter({ fleet, providers: ProvidersConfig.parse({}), stateDir: state, deps: { env: {} } });
    expect((await router.choose('polecat', 0, bead(4000)))!.label).toBe('local:Qwen2.5-Coder-7B-Instruct');
  });

  it('holds local work while the VRAM watch has paused it, and gives up after the limit', async () => {
    running('Qwen2.5-Coder-7B-Instruct', 18083);
    writePressure(state, { paused: true, reason: 'desktop grew by 3000 MiB', desktopMiB: 4700, at });
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      if (slept.length === 3) writePressure(state, { paused: false, reason: null, desktopMiB: 1500, at });
    };
    const router = new LiveRouter({ fleet, providers: ProvidersConfig.parse({}), stateDir: state, deps: { env: {}, sleep }, pausePollMs: 1000 });
    expect((await router.choose('polecat', 0, bead(4000)))!.label).toBe('local:Qwen2.5-Coder-7B-Instruct');
    expect(slept).toEqual([1000, 1000, 1000]);
    writePressure(state, { paused: true, reason: 'desktop grew by 3000 MiB', desktopMiB: 4700, at });
    const stuck = new LiveRouter({ fleet, providers: ProvidersConfig.parse({}), stateDir: state, deps: { env: {}, sleep: async () => undefined }, pausePollMs: 1000, maxPauseMs: 5000 });
    await expect(stuck.choose('polecat', 0, bead(4000))).rejects.toThrow(/stayed paused for 5 s: desktop grew by 3000 MiB/);
  });
});
