// GET /health of the fleet endpoint: healthy while it can serve (a request loads a model), 503 only when it cannot.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerPlan } from '../../../../src/fleet/plan-schema.js';
import { EndpointConfig } from '../../../../src/runtime/endpoint/config.js';
import type { FleetControl } from '../../../../src/runtime/endpoint/fleet-control.js';
import { FleetEndpoint } from '../../../../src/runtime/endpoint/http-server.js';
import type { ServerState } from '../../../../src/runtime/state-store.js';

const plan = ServerPlan.parse({
  id: 'a', model: 'model-a', modelFile: 'a.gguf', device: 'gpu', roles: ['polecat'], slots: 1, ctxPerSlot: 2048, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0',
  flashAttention: true, gpuLayers: 99, threads: 1, vramMiB: 1000, ramMiB: 100, args: [], commandLine: '', importance: 0, tokensPerSecond: 50, tokensPerSecondSource: 'catalog',
});
const ready: ServerState = {
  id: 'a', model: 'model-a', modelPath: 'a.gguf', device: 'gpu', pid: 1, port: 1, url: 'http://127.0.0.1:1', apiKey: 'k', status: 'ready',
  startedAt: '2026-01-01T00:00:00.000Z', readyAt: null, restarts: 0, logFile: '/dev/null', importance: 0, vramMiB: 1000, ramMiB: 100, lastError: null,
};

let endpoint: FleetEndpoint | null = null;
afterEach(async () => endpoint?.close());

async function health(running: ServerState[], paused: boolean): Promise<{ status: number; body: { status: string; loadsPaused: boolean } }> {
  // Stands in for the supervisor: nothing is started here, only what /health reads.
  const control: FleetControl = { running: () => running, start: async () => undefined, stop: async () => undefined, fitCheck: async () => () => null, loadsPaused: () => paused };
  await endpoint?.close();
  endpoint = new FleetEndpoint({
    control, table: { servers: [plan], pick: () => ({ local: false, model: 'x' }) }, config: EndpointConfig.parse({ port: 0 }), keys: new Map(), log: pino({ level: 'silent' }),
  });
  const r = await fetch(`${await endpoint.listen()}/health`);
  return { status: r.status, body: (await r.json()) as { status: string; loadsPaused: boolean } };
}

describe('GET /health', () => {
  it('is 200 with a model loaded, 200 (idle) with none, and 503 only when none is loaded and loads are paused', async () => {
    expect(await health([ready], false)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await health([ready], true)).toMatchObject({ status: 200, body: { status: 'ok', loadsPaused: true } });
    expect(await health([], false)).toMatchObject({ status: 200, body: { status: expect.stringMatching(/^idle: no model loaded; a request loads one/) } });
    expect(await health([], true)).toMatchObject({ status: 503, body: { status: expect.stringContaining('loads are paused'), loadsPaused: true } });
  });
});
