// The dispatcher's slots and queue: a free slot is taken at once, a full server queues, and nobody jumps the queue.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Dispatcher, type Lease } from '../../../../src/runtime/endpoint/dispatcher.js';
import type { FleetControl } from '../../../../src/runtime/endpoint/fleet-control.js';
import { ServerPlan } from '../../../../src/fleet/plan-schema.js';
import type { ServerState } from '../../../../src/runtime/state-store.js';

const plan = (id: string, slots: number): ServerPlan => ServerPlan.parse({
  id, model: `model-${id}`, modelFile: `${id}.gguf`, device: 'gpu', roles: ['polecat'], slots, ctxPerSlot: 2048, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0',
  flashAttention: true, gpuLayers: 99, threads: 1, vramMiB: 1000, ramMiB: 100, args: [], commandLine: '', importance: 0, tokensPerSecond: 50, tokensPerSecondSource: 'catalog',
});

const state = (id: string, status: ServerState['status'] = 'ready'): ServerState => ({
  id, model: `model-${id}`, modelPath: `${id}.gguf`, device: 'gpu', pid: 1, port: 1, url: 'http://127.0.0.1:1', apiKey: 'k', status,
  startedAt: '2026-01-01T00:00:00.000Z', readyAt: null, restarts: 0, logFile: '/dev/null', importance: 0, vramMiB: 1000, ramMiB: 100, lastError: null,
});

let d: Dispatcher | null = null;
afterEach(() => d?.close());

function dispatcher(running: ServerState[], slots = 1): Dispatcher {
  // Stands in for the supervisor (a runtime-side interface of the endpoint): nothing is loaded or swapped here.
  const control: FleetControl = { running: () => running, start: async () => undefined, stop: async () => undefined, fitCheck: async () => () => null, loadsPaused: () => false };
  d = new Dispatcher({ control, plans: [plan('a', slots)], queueSize: 4, fairness: 8, maxWaitMs: 60_000, log: pino({ level: 'silent' }), tickMs: 60_000 });
  return d;
}

const never = new AbortController().signal;

describe('Dispatcher', () => {
  it('hands out free slots at once, queues past them, and serves the queue in order even when a slot frees just as a newcomer arrives', async () => {
    const disp = dispatcher([state('a')], 2);
    const first = await disp.acquire('a', never);
    await disp.acquire('a', never);
    expect(disp.inflightOn('a')).toBe(2);
    const order: string[] = [];
    const waiting = disp.acquire('a', never).then((l) => (order.push('waiting'), l));
    await Promise.resolve();
    expect(disp.queued).toBe(1);
    // The slot frees and a newcomer asks in the same tick: the request that waited gets it first.
    first.release();
    const newcomer = disp.acquire('a', never).then((l) => (order.push('newcomer'), l));
    const got = await waiting;
    expect(order).toEqual(['waiting']);
    expect(disp.queued).toBe(1);
    got.release();
    await newcomer;
    expect(order).toEqual(['waiting', 'newcomer']);
    first.release(); // a second release of the same lease frees nothing more
    expect(disp.inflightOn('a')).toBe(2);
  });

  it('queues a request for a server that is still starting instead of sending it there, and refuses one over the queue bound', async () => {
    const running = [state('a', 'starting')];
    const disp = dispatcher(running, 4);
    let lease: Lease | null = null;
    const p = disp.acquire('a', never).then((l) => (lease = l));
    await new Promise((r) => setTimeout(r, 20));
    expect(lease).toBeNull();
    expect(disp.queued).toBe(1);
    for (let i = 0; i < 3; i++) void disp.acquire('a', never).catch(() => undefined);
    await expect(disp.acquire('a', never)).rejects.toThrow(/queue is full \(4 requests waiting\)/);
    running[0] = state('a');
    disp.pump();
    await p;
    expect(lease!.server.status).toBe('ready');
  });
});
