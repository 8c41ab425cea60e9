// PolledGpuReader: power samples from one poll loop, started on first read and stopped when idle; against a scripted
// loop (timing) and the stand-in nvidia-smi (a burst of reads costs one loop's calls, not one call each).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvidiaSmi, type GpuSample } from '../../../src/runtime/gpu.js';
import { PolledGpuReader } from '../../../src/runtime/gpu-poll.js';
import { powerSamplerFrom } from '../../../src/cost/energy.js';

const sample = (powerW: number): GpuSample => ({ reading: { usedMiB: 100, totalMiB: 10240, powerW, utilizationPct: 5 }, apps: [] });

/** A loop the test drives: `emit` is one sample arriving; `starts`/`stops` count the loops. */
function scriptedLoop() {
  const s = { starts: 0, stops: 0, emit: (_x: GpuSample | Error): void => undefined };
  const loop = (_periodMs: number, onSample: (x: GpuSample | Error) => void) => {
    s.starts++;
    s.emit = onSample;
    return { stop: () => void s.stops++ };
  };
  return { s, loop };
}

describe('PolledGpuReader', () => {
  it('waits for the loop\'s next sample, serves a reading up to one period old, and asks again after', async () => {
    let now = 0;
    const { s, loop } = scriptedLoop();
    const reader = new PolledGpuReader({ loop }, { periodMs: 1000, clock: () => now });
    expect(reader.polling).toBe(false);
    const first = reader.read();
    expect(s.starts).toBe(1);
    s.emit(sample(120));
    expect((await first)?.powerW).toBe(120);
    now = 900;
    expect((await reader.read())?.powerW).toBe(120); // fresh enough: no wait
    now = 1500;
    const next = reader.read();
    s.emit(sample(180));
    expect((await next)?.powerW).toBe(180);
    expect(s.starts).toBe(1); // one loop throughout
    reader.close();
    expect(s.stops).toBe(1);
  });

  it('fails the reads waiting on a failed sample, which the meter turns into configured watts', async () => {
    const { s, loop } = scriptedLoop();
    const reader = new PolledGpuReader({ loop }, { periodMs: 1000 });
    const sampler = powerSamplerFrom(reader);
    const a = sampler();
    s.emit(new Error('nvidia-smi not found on PATH'));
    await expect(a).rejects.toThrow('nvidia-smi not found on PATH');
    const b = sampler();
    s.emit({ reading: { usedMiB: 1, totalMiB: 2, powerW: null, utilizationPct: null }, apps: [] });
    await expect(b).rejects.toThrow(/no power\.draw/);
    reader.close();
  });

  it('stops the loop when nobody read for the idle time, and starts it again on the next read', async () => {
    const { s, loop } = scriptedLoop();
    const reader = new PolledGpuReader({ loop }, { periodMs: 10, idleMs: 60 });
    const r = reader.read();
    s.emit(sample(50));
    await r;
    await new Promise((res) => setTimeout(res, 200));
    expect(s.stops).toBe(1);
    expect(reader.polling).toBe(false);
    const again = reader.read();
    expect(s.starts).toBe(2);
    s.emit(sample(60));
    expect((await again)?.powerW).toBe(60);
    reader.close();
  });

  it('with the stand-in nvidia-smi: a burst of reads runs nvidia-smi for the loop\'s periods, not once per read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gth-gpu-poll-'));
    const calls = join(dir, 'calls');
    writeFileSync(calls, '');
    const command = join(dir, 'nvidia-smi');
    // The stand-in, with each call written down.
    writeFileSync(command, `#!/bin/sh\necho "$1" >> '${calls}'\nexec '${resolve(import.meta.dirname, '../../doubles/bin/nvidia-smi')}' "$@"\n`, { mode: 0o755 });
    const state = join(dir, 'state.json');
    writeFileSync(state, JSON.stringify({ gpus: [{ memoryUsedMiB: 3000, memoryTotalMiB: 10240, powerDrawW: 140 }] }));
    const reader = new PolledGpuReader(new NvidiaSmi(command, { ...process.env, FAKE_NVIDIA_SMI_STATE: state }), { periodMs: 5000 });
    try {
      const readings = [];
      for (let i = 0; i < 40; i++) readings.push(await reader.read());
      expect(readings.every((r) => r?.powerW === 140)).toBe(true);
      const queries = readFileSync(calls, 'utf8').split('\n').filter((l) => l.startsWith('--query-gpu'));
      // One loop period went by: one reading (per-call sampling would have run 40).
      expect(queries.length).toBe(1);
    } finally {
      reader.close();
    }
  });
});
