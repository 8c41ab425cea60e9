// VRAM-aware loading behind the endpoint with stand-in servers: load beside, swap out the least valuable idle one, never a busy one.
import { afterEach, describe, expect, it } from 'vitest';
import { readServerStates } from '../../../src/runtime/state-store.js';
import { plan, until } from '../runtime/harness.js';
import { chat, startFleet, type Fleet } from './harness.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const ids = (f: Fleet): string[] => readServerStates(f.box.stateDir).map((s) => s.id).sort();

describe('endpoint loading under a VRAM budget', () => {
  it('starts a model that fits beside the running one, then swaps out the least important idle server for a third', async () => {
    // 8540 MiB budget (10240 minus the 1700 MiB desktop reserve): two of these fit, three do not.
    const a = plan('a', { model: 'model-a', vramMiB: 4000, importance: 0 });
    const b = plan('b', { model: 'model-b', vramMiB: 4000, importance: 2 });
    const c = plan('c', { model: 'model-c', vramMiB: 4000, importance: 1 });
    fleet = await startFleet({ plans: [a, b, c], up: [a] });
    const stopped: string[] = [];
    fleet.sup.on('stopped', (id: string) => stopped.push(id));

    expect((await chat(fleet.url, { model: 'model-b' })).status).toBe(200);
    expect(ids(fleet)).toEqual(['a', 'b']);
    expect(stopped).toEqual([]);

    const r = await chat(fleet.url, { model: 'model-c' });
    expect(r.status).toBe(200);
    expect(stopped).toEqual(['b']); // b is less important than a (importance 2 > 0)
    expect(ids(fleet)).toEqual(['a', 'c']);
    expect(fleet.endpoint.dispatcher.swaps).toBe(1);
  });

  it('waits for the request in flight before swapping its server out, and serves the waiting one after', async () => {
    const a = plan('a', { model: 'model-a', vramMiB: 6000 });
    const b = plan('b', { model: 'model-b', vramMiB: 6000, importance: 1 });
    fleet = await startFleet({ plans: [a, b], up: [a], env: { FAKE_LLAMA_SLOW_MS: '1500' } });
    let inflightDone = false;
    const spawnedWhileInflight: boolean[] = [];
    fleet.sup.on('spawn', (id: string) => {
      if (id === 'b') spawnedWhileInflight.push(!inflightDone);
    });
    const first = chat(fleet.url, { model: 'model-a', stream: true }).then(async (r) => {
      const text = await r.text();
      inflightDone = true;
      return text;
    });
    await until(() => fleet!.endpoint.dispatcher.inflightOn('a') === 1, 5000, 'request in flight on a');
    const second = chat(fleet.url, { model: 'model-b' });
    expect(await first).toContain('data: [DONE]');
    const r = await second;
    expect(r.status).toBe(200);
    expect(spawnedWhileInflight).toEqual([false]);
    expect(ids(fleet)).toEqual(['b']);
  });

  it('answers 503 naming the model when it fits not even alone', async () => {
    const a = plan('a', { model: 'model-a', vramMiB: 2000 });
    const huge = plan('huge', { model: 'model-huge', vramMiB: 9000, importance: 1 });
    fleet = await startFleet({ plans: [a, huge], up: [a] });
    const r = await chat(fleet.url, { model: 'model-huge' });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(
      /^model-huge cannot be loaded: huge needs 9000 MiB VRAM; with 0 server\(s\) already using 0 MiB that exceeds the VRAM budget of 8540 MiB/,
    );
    expect(ids(fleet)).toEqual(['a']);
  });
});
