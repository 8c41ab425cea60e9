// Swaps without overlap, VRAM refusal, desktop-growth pause and stop, and CPU-only fallback without a GPU.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import { readPressure, readServerStates } from '../../../src/runtime/state-store.js';
import { supervisorControl } from '../../../src/runtime/endpoint/fleet-control.js';
import { alive, makeModel, plan, sandbox, until } from './harness.js';

let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.shutdown();
  sup = undefined;
});

describe('swap', () => {
  it('drains the old server, stops it, and only then starts the next one', async () => {
    const box = sandbox({ FAKE_LLAMA_SLOW_MS: '150' });
    const script = join(box.dir, 'script.json');
    writeFileSync(script, JSON.stringify({ rules: [], default: 'one two three four five six seven eight' }));
    box.env.FAKE_LLAMA_SCRIPT = script;
    makeModel(box.modelsDir, 'a.gguf');
    makeModel(box.modelsDir, 'b.gguf');
    // Each needs 6000 MiB of an 8540 MiB budget: they can never run together.
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    await sup.up([plan('a', { vramMiB: 6000 })]);
    const a = readServerStates(box.stateDir)[0]!;
    const overlap: boolean[] = [];
    sup.on('spawn', (id: string) => {
      if (id === 'b') overlap.push(alive(a.pid));
    });
    // A streamed request in flight on A: 8 tokens x 150 ms.
    const inflight = fetch(`${a.url}/v1/chat/completions`, {
      method: 'POST', headers: { Authorization: `Bearer ${a.apiKey}` },
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'x' }] }),
    }).then((r) => r.text());
    await until(async () => {
      const r = await fetch(`${a.url}/slots`, { headers: { Authorization: `Bearer ${a.apiKey}` } });
      return ((await r.json()) as { is_processing: boolean }[]).some((s) => s.is_processing);
    }, 5000, 'request in flight');
    let finishedBeforeStop = false;
    sup.on('stopped', (id: string) => {
      if (id === 'a') finishedBeforeStop = settled;
    });
    let settled = false;
    void inflight.then(() => (settled = true));
    await sup.swap([plan('b', { vramMiB: 6000 })]);
    expect(await inflight).toContain('data: [DONE]');
    expect(finishedBeforeStop).toBe(true);
    expect(overlap).toEqual([false]);
    expect(readServerStates(box.stateDir).map((s) => s.id)).toEqual(['b']);
  });

  it('keeps a server the next wave launches the same way, and restarts one it re-pins with more threads', async () => {
    const box = sandbox();
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    const a = plan('a');
    await sup.up([a]);
    const first = readServerStates(box.stateDir)[0]!.pid;
    await sup.swap([plan('a')]);
    expect(readServerStates(box.stateDir)[0]!.pid).toBe(first);
    // The next wave gives it the cores of a server that stopped: 4 threads instead of 2.
    await sup.swap([plan('a', { threads: 4, args: [...a.args.slice(0, -1), '4'] })]);
    const after = readServerStates(box.stateDir);
    expect(after.map((s) => s.id)).toEqual(['a']);
    expect(after[0]!.pid).not.toBe(first);
    expect(alive(first)).toBe(false);
  });

  it('refuses to run two servers whose estimates exceed the budget together', async () => {
    const box = sandbox();
    makeModel(box.modelsDir, 'a.gguf');
    makeModel(box.modelsDir, 'b.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    await expect(sup.up([plan('a', { vramMiB: 5000 }), plan('b', { vramMiB: 5000, importance: 1 })])).rejects.toThrow(
      /b needs 5000 MiB VRAM; with 1 server\(s\) already using 5000 MiB that exceeds the VRAM budget of 8540 MiB/,
    );
    expect(readServerStates(box.stateDir)).toEqual([]);
  });
});

describe('VRAM watch', () => {
  it('refuses a start that does not fit the free VRAM minus the desktop reserve', async () => {
    const box = sandbox();
    box.setGpu(8000); // a game holds 8000 MiB: 2240 MiB left
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    let spawned = 0;
    sup.on('spawn', () => spawned++);
    await expect(sup.up([plan('a', { vramMiB: 2500 })])).rejects.toThrow(
      'refusing to start: a needs 2500 MiB VRAM but only 2240 MiB is free (nvidia-smi: 8000 of 10240 MiB used, desktop 8000 MiB, desktop reserve 1700 MiB)',
    );
    expect(spawned).toBe(0);
  });

  it('pauses new work when the desktop grows and stops the least important server past the threshold', async () => {
    const box = sandbox();
    box.setGpu(1500);
    makeModel(box.modelsDir, 'a.gguf');
    makeModel(box.modelsDir, 'b.gguf');
    makeModel(box.modelsDir, 'c.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    await sup.up([plan('a', { vramMiB: 2000, importance: 0 }), plan('b', { vramMiB: 2000, importance: 5 })]);
    const [a, b] = readServerStates(box.stateDir);
    // The endpoint's view of the pause follows the supervisor's (it does not read the file per request).
    const endpointView = supervisorControl(sup, box.stateDir);
    expect(endpointView.loadsPaused()).toBe(false);
    // nvidia-smi sees our two servers (2000 each) plus a desktop that grew from 1500 to 2100 MiB.
    const paused = new Promise((r) => sup!.once('pressure', r));
    box.setGpu(6100, 10240, [{ pid: a!.pid!, usedMiB: 2000 }, { pid: b!.pid!, usedMiB: 2000 }]);
    await paused;
    expect(readPressure(box.stateDir)).toMatchObject({ paused: true, desktopMiB: 2100 });
    expect(endpointView.loadsPaused()).toBe(true);
    await expect(sup.startServer(plan('c', { vramMiB: 500, importance: 9 }))).rejects.toThrow(/new work is paused while the desktop needs VRAM/);
    // The owner starts a game: desktop at 3000 MiB, 1300 over the reserve.
    const stopped = new Promise<string>((r) => sup!.once('stopped', r));
    box.setGpu(7000, 10240, [{ pid: a!.pid!, usedMiB: 2000 }, { pid: b!.pid!, usedMiB: 2000 }]);
    expect(await stopped).toBe('b');
    expect(alive(b!.pid)).toBe(false);
    expect(alive(a!.pid)).toBe(true);
    // The game closes: work resumes.
    box.setGpu(3500, 10240, [{ pid: a!.pid!, usedMiB: 2000 }]);
    await until(() => !readPressure(box.stateDir).paused, 5000, 'pressure to clear');
    expect(endpointView.loadsPaused()).toBe(false);
  });

  it('runs GPU plans CPU-only (-ngl 0) and says so when there is no NVIDIA GPU', async () => {
    const box = sandbox({}, false);
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    expect(sup.gpu).toEqual({ available: false, reason: 'nvidia-smi not found on PATH' });
    await sup.up([plan('a')]);
    const [s] = readServerStates(box.stateDir);
    expect(s).toMatchObject({ device: 'cpu', vramMiB: 0, ramMiB: 2300 });
    expect(readFileSync(s!.logFile, 'utf8')).toMatch(/-ngl 0 -t 2/);
  });
});
