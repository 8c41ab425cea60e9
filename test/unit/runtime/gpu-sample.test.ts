// NvidiaSmi.sample: the GPU reading and the compute apps from one child process, against the stand-in nvidia-smi.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvidiaSmi } from '../../../src/runtime/gpu.js';

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

  it('fails as read() does: the driver\'s message, or the command named when it is missing', async () => {
    await expect(smiWith({ fail: 'NVIDIA-SMI has failed: no driver' }).sample()).rejects.toThrow('NVIDIA-SMI has failed: no driver');
    await expect(smiWith({}, '/nonexistent/nvidia-smi').sample()).rejects.toThrow('/nonexistent/nvidia-smi not found on PATH');
  });
});
