// Supervisor against real stand-in llama-server child processes: ready, crash restarts, unhealthy, hung server, speeds.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import { readServerStates, readUnhealthyModels, readHealth } from '../../../src/runtime/state-store.js';
import { readMeasuredSpeeds } from '../../../src/runtime/speeds.js';
import { alive, makeModel, plan, sandbox, until } from './harness.js';

let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.shutdown();
  sup = undefined;
});

const chat = (url: string, key: string): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'write code please' }] }),
  });

describe('supervisor lifecycle', () => {
  it('starts a server, waits through loading, records state, and enforces the per-start api key', async () => {
    const box = sandbox({ FAKE_LLAMA_LOAD_MS: '600', FAKE_LLAMA_GEN_TPS: '37.5', FAKE_LLAMA_PROMPT_TPS: '410' });
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    const started = Date.now();
    await sup.up([plan('a')]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const [state] = readServerStates(box.stateDir);
    expect(state).toMatchObject({ id: 'a', status: 'ready', model: 'model-a', device: 'gpu' });
    expect(alive(state!.pid)).toBe(true);
    expect((await fetch(`${state!.url}/health`)).status).toBe(200);
    expect((await fetch(`${state!.url}/slots`)).status).toBe(401);
    const ok = await chat(state!.url, state!.apiKey);
    expect(ok.status).toBe(200);
    await ok.json();
    const log = readFileSync(state!.logFile, 'utf8');
    expect(log).toContain(`listening on http://127.0.0.1:${state!.port}`);
    expect(log).toContain('-ctk q8_0 -ctv q4_0 -fa on');
    expect(log).not.toContain(state!.apiKey); // the command line in the log masks the key
    await sup.scrapeAll();
    // With the threads the server ran with (its `-t 2`), so the planner can scale a CPU figure to other cores.
    expect(readMeasuredSpeeds(box.stateDir)).toEqual({ 'model-a': { gen: 37.5, prompt: 410, threads: 2 } });
    const pid = state!.pid!;
    await sup.shutdown();
    expect(alive(pid)).toBe(false);
    expect(readServerStates(box.stateDir)).toEqual([]);
  });

  it('restarts a server that crashes, on the same port, and counts the crash', async () => {
    const box = sandbox({ FAKE_LLAMA_CRASH_AFTER: '1' });
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings({ restart: { backoffMs: 100, maxBackoffMs: 1000, maxCrashes: 3, windowMs: 60_000 } }), env: box.env });
    await sup.init();
    await sup.up([plan('a')]);
    const before = readServerStates(box.stateDir)[0]!;
    const restarted = new Promise((r) => sup!.once('restarted', r));
    await (await chat(before.url, before.apiKey)).text();
    await restarted;
    const after = readServerStates(box.stateDir)[0]!;
    expect(after.pid).not.toBe(before.pid);
    expect(alive(before.pid)).toBe(false);
    expect(after).toMatchObject({ status: 'ready', restarts: 1, port: before.port, apiKey: before.apiKey });
    expect((await fetch(`${after.url}/health`)).status).toBe(200);
    expect(readHealth(box.stateDir).models['model-a']).toMatchObject({ unhealthy: false });
    expect(readHealth(box.stateDir).models['model-a']!.crashes).toHaveLength(1);
  });

  it('marks the model unhealthy after K crashes in the window and stops restarting it', async () => {
    const box = sandbox();
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings({ restart: { backoffMs: 50, maxBackoffMs: 100, maxCrashes: 2, windowMs: 60_000 } }), env: box.env });
    await sup.init();
    await sup.up([plan('a')]);
    const first = readServerStates(box.stateDir)[0]!;
    const restarted = new Promise((r) => sup!.once('restarted', r));
    process.kill(first.pid!, 'SIGKILL');
    await restarted;
    const second = readServerStates(box.stateDir)[0]!;
    const unhealthy = new Promise((r) => sup!.once('unhealthy', r));
    process.kill(second.pid!, 'SIGKILL');
    await unhealthy;
    expect(readUnhealthyModels(box.stateDir)).toHaveProperty('model-a');
    expect(readServerStates(box.stateDir)[0]).toMatchObject({ status: 'unhealthy', pid: null });
    // A later start of the same model is refused, so the switcher's fallback takes over.
    await sup.shutdown();
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    await expect(sup.up([plan('a')])).rejects.toThrow(/model-a is marked unhealthy/);
  });

  it('kills and restarts a server whose /health stops answering', async () => {
    const box = sandbox();
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings({ healthFailures: 2, restart: { backoffMs: 50, maxBackoffMs: 100, maxCrashes: 5, windowMs: 60_000 } }), env: box.env });
    await sup.init();
    await sup.up([plan('a')]);
    const first = readServerStates(box.stateDir)[0]!;
    const restarted = new Promise((r) => sup!.once('restarted', r));
    process.kill(first.pid!, 'SIGSTOP'); // frozen: the port stays open but nothing answers
    await restarted;
    await until(() => !alive(first.pid), 5000, 'frozen process to be killed');
    const second = readServerStates(box.stateDir)[0]!;
    expect(second.pid).not.toBe(first.pid);
    expect(second.status).toBe('ready');
  });

  it('fails a start that is not ready in time, with the last log lines, and leaves nothing running', async () => {
    const box = sandbox({ FAKE_LLAMA_LOAD_MS: '30000' });
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings({ readyTimeoutMs: 1500 }), env: box.env });
    await sup.init();
    let pid: number | undefined;
    sup.on('spawn', (_id: string, p: number) => (pid = p));
    const err = await sup.up([plan('a')]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/not ready within 2s \(\/health: loading\)/);
    expect((err as Error).message).toContain("loading model '");
    expect(alive(pid)).toBe(false);
    expect(readServerStates(box.stateDir)).toEqual([]);
  });
});
