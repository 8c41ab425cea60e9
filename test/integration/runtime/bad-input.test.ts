// Bad input gives clear errors naming what and where, and a failed `up` leaves nothing running.
import { createServer, type Server } from 'node:net';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import { readServerStates } from '../../../src/runtime/state-store.js';
import { alive, makeModel, plan, sandbox } from './harness.js';

let sup: Supervisor | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  await sup?.shutdown();
  sup = undefined;
  await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
  blocker = undefined;
});

describe('bad input', () => {
  it('names a missing binary and where to set it', async () => {
    const box = sandbox();
    sup = new Supervisor({ settings: box.settings({ binary: '/opt/nowhere/llama-server' }), env: box.env });
    await expect(sup.init()).rejects.toThrow(/llama-server binary not found: '\/opt\/nowhere\/llama-server' \(set runtime.binary in gastown.yml or \$GTH_LLAMA_SERVER/);
  });

  it('names a missing model file, and stops the servers it had already started', async () => {
    const box = sandbox();
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    const pids: number[] = [];
    sup.on('spawn', (_id: string, pid: number) => pids.push(pid));
    await expect(sup.up([plan('a'), plan('b', { importance: 1, vramMiB: 100 })])).rejects.toThrow(
      `model file for server b not found: ${box.modelsDir}/b.gguf`,
    );
    expect(pids).toHaveLength(1);
    expect(alive(pids[0])).toBe(false);
    expect(readServerStates(box.stateDir)).toEqual([]);
  });

  it('rejects a model whose sha256 does not match, naming file, expected and actual hash', async () => {
    const box = sandbox();
    const path = makeModel(box.modelsDir, 'a.gguf', 'real bytes');
    const actual = createHash('sha256').update('real bytes').digest('hex');
    const wrong = 'f'.repeat(64);
    sup = new Supervisor({ settings: box.settings({ sha256: { 'a.gguf': wrong } }), env: box.env });
    await sup.init();
    await expect(sup.up([plan('a')])).rejects.toThrow(`sha256 mismatch for ${path}: expected ${wrong} (runtime.sha256 in gastown.yml), got ${actual}`);
    await sup.shutdown();
    sup = new Supervisor({ settings: box.settings({ sha256: { 'a.gguf': actual } }), env: box.env });
    await sup.init();
    await sup.up([plan('a')]);
    expect(readServerStates(box.stateDir)[0]?.status).toBe('ready');
  });

  it('names a configured port that is already in use', async () => {
    const box = sandbox();
    makeModel(box.modelsDir, 'a.gguf');
    blocker = createServer();
    const port = await new Promise<number>((r) => blocker!.listen(0, '127.0.0.1', () => r((blocker!.address() as { port: number }).port)));
    sup = new Supervisor({ settings: box.settings({ ports: { a: port } }), env: box.env });
    await sup.init();
    await expect(sup.up([plan('a')])).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
    expect(readServerStates(box.stateDir)).toEqual([]);
  });

  it('reports a server that exits during start with its log lines', async () => {
    const box = sandbox({ FAKE_LLAMA_SCRIPT: '/nonexistent/script.json' });
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    await expect(sup.up([plan('a')])).rejects.toThrow(/llama-server for a exited \(exit code 1\) before it was ready; last lines of .*a\.log:\n[\s\S]*cannot read FAKE_LLAMA_SCRIPT/);
  });

  it('names CPUs a plan pins that this machine does not have, before starting anything', async () => {
    const box = sandbox();
    makeModel(box.modelsDir, 'a.gguf');
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    let spawned = 0;
    sup.on('spawn', () => spawned++);
    await expect(sup.up([plan('a', { cpuCores: [0, 4095] })])).rejects.toThrow(/server a is pinned to CPU\(s\) 4095 but this machine offers CPUs 0-\d+/);
    expect(spawned).toBe(0);
  });

  it('refuses a second supervisor on the same state folder', async () => {
    const box = sandbox();
    sup = new Supervisor({ settings: box.settings(), env: box.env });
    await sup.init();
    // Pretend another live process holds it: our parent (the vitest runner) is alive.
    const { writeSupervisorState } = await import('../../../src/runtime/state-store.js');
    writeSupervisorState(box.stateDir, { pid: process.ppid, startedAt: new Date().toISOString(), gpu: 'x' });
    const second = new Supervisor({ settings: box.settings(), env: box.env });
    await expect(second.init()).rejects.toThrow(`the runtime is already up (supervisor pid ${process.ppid}`);
  });
});
