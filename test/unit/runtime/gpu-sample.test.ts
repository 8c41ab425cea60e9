// NvidiaSmi.sample and .loop: the GPU reading and the compute apps from one child process, against the stand-in nvidia-smi.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvidiaSmi, type GpuSample } from '../../../src/runtime/gpu.js';
import { until } from '../../integration/runtime/harness.js';

const standIn = resolve(import.meta.dirname, '../../doubles/bin/nvidia-smi');

function smiWith(state: unknown, command = standIn): NvidiaSmi {
  const file = join(mkdtempSync(join(tmpdir(), 'gth-smi-')), 'state.json');
  writeFileSync(file, JSON.stringify(state));
  return new NvidiaSmi(command, { ...process.env, FAKE_NVIDIA_SMI_STATE: file });
}

describe('NvidiaSmi.sample', () => {
  it('gives the same figures as the two separate queries', async () => {
    const smi = smiWith({ gpus: [{ memoryUsedMiB: 3000, memoryTotalMiB: 10240, powerDrawW: 55, utilizationPct: 12 }], apps: [{ pid: 42, usedMemoryMiB: 1500 }, { pid: 43, usedMemoryMiB: 20 }] });
    const both = await smi.sample();
    expect(both).toEqual({ reading: { usedMiB: 3000, totalMiB: 10240, powerW: 55, utilizationPct: 12 }, apps: [{ pid: 42, usedMiB: 1500 }, { pid: 43, usedMiB: 20 }] });
    expect(both).toEqual({ reading: await smi.read(), apps: await smi.apps() });
    expect(await smiWith({ gpus: [{ memoryUsedMiB: 10 }] }).sample()).toMatchObject({ reading: { usedMiB: 10 }, apps: [] });
  });

  it('reports a failed compute-apps query as null apps beside a good reading (the caller judges)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gth-smi-apps-'));
    const command = join(dir, 'nvidia-smi');
    // The stand-in, except that the compute-apps query fails as on a driver without per-process accounting.
    writeFileSync(command, `#!/bin/sh\ncase "$1" in --query-compute-apps=*) echo 'Not Supported'; exit 3;; esac\nexec '${standIn}' "$@"\n`, { mode: 0o755 });
    const state = join(dir, 'state.json');
    writeFileSync(state, JSON.stringify({ gpus: [{ memoryUsedMiB: 10 }], apps: [{ pid: 1, usedMemoryMiB: 5 }] }));
    const smi = new NvidiaSmi(command, { ...process.env, FAKE_NVIDIA_SMI_STATE: state });
    expect(await smi.sample()).toMatchObject({ reading: { usedMiB: 10 }, apps: null });
  });

  it('fails as read() does: the driver\'s message, or the command named when it is missing', async () => {
    await expect(smiWith({ fail: 'NVIDIA-SMI has failed: no driver' }).sample()).rejects.toThrow('NVIDIA-SMI has failed: no driver');
    await expect(smiWith({}, '/nonexistent/nvidia-smi').sample()).rejects.toThrow('/nonexistent/nvidia-smi not found on PATH');
  });
});

/** Processes whose command line names every one of `needles`. */
function processesNaming(...needles: string[]): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      return needles.every((n) => cmd.includes(n));
    } catch {
      return false;
    }
  }).map(Number);
}

describe('NvidiaSmi.loop', () => {
  it('samples every period from one long-lived child, and stop() ends it with everything it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gth-smi-loop-'));
    // A path of its own for the stand-in (a wrapper that stays in the process list while nvidia-smi runs), so this
    // test finds exactly its own processes: the loop's shell and any query under way.
    const command = join(dir, 'nvidia-smi');
    writeFileSync(command, `#!/bin/sh\nnode '${resolve(standIn, '../../nvidia-smi.mjs')}' "$@"\n`, { mode: 0o755 });
    const state = join(dir, 'state.json');
    const write = (usedMiB: number): void => writeFileSync(state, JSON.stringify({ gpus: [{ memoryUsedMiB: usedMiB }], apps: [{ pid: 7, usedMemoryMiB: 5 }] }));
    write(100);
    const smi = new NvidiaSmi(command, { ...process.env, FAKE_NVIDIA_SMI_STATE: state });
    const seen: (GpuSample | Error)[] = [];
    const loop = smi.loop(50, (s) => seen.push(s));
    try {
      await until(() => seen.length >= 1, 20_000, 'a first sample');
      expect(seen[0]).toEqual({ reading: { usedMiB: 100, totalMiB: 10240, powerW: 30, utilizationPct: 0 }, apps: [{ pid: 7, usedMiB: 5 }] });
      const shells = processesNaming(command, 'while :');
      expect(shells).toHaveLength(1);
      write(900);
      await until(() => seen.some((s) => !(s instanceof Error) && s.reading?.usedMiB === 900), 20_000, 'a sample after the change');
      // Still the same shell, several periods on: one child for the watch's lifetime, not one per period.
      expect(processesNaming(command, 'while :')).toEqual(shells);
    } finally {
      loop.stop();
    }
    await until(() => processesNaming(command).length === 0, 10_000, 'the loop and its children to end');
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.length).toBe(count);
  });

  it('ends a loop whose nvidia-smi hangs, says so, and starts it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gth-smi-hang-'));
    const command = join(dir, 'nvidia-smi');
    // A driver call that never returns (the wrapper stays in the process list, named by its path).
    writeFileSync(command, '#!/bin/sh\nsleep 600\n', { mode: 0o755 });
    const seen: (GpuSample | Error)[] = [];
    const loop = new NvidiaSmi(command, process.env).loop(50, (s) => seen.push(s), 300);
    try {
      await until(() => seen.some((s) => s instanceof Error && /gave no reading for \d+ s; restarting/.test(s.message)), 10_000, 'the stall to be noticed');
      await until(() => seen.some((s) => s instanceof Error && /poll loop ended/.test(s.message)), 10_000, 'the hung loop to end');
      await until(() => processesNaming(command, 'while :').length === 1, 10_000, 'a new loop');
    } finally {
      loop.stop();
    }
    await until(() => processesNaming(command).length === 0, 10_000, 'every hung call to end');
  });
});
