// The runtime section of gastown.yml: defaults, env overrides, and one error listing every problem.
import { describe, expect, it } from 'vitest';
import { loadRuntimeSettings } from '../../../src/runtime/config.js';

describe('loadRuntimeSettings', () => {
  it('applies defaults, resolves folders against cwd, and lets env override binary and state dir', () => {
    const s = loadRuntimeSettings({ file: null, data: {} }, {}, '/town');
    expect(s).toMatchObject({ binary: 'llama-server', stateDir: '/town/.gastown-state', modelsDir: '/town/models', desktopReserveMiB: 1700, vramMiB: 10240 });
    const e = loadRuntimeSettings({ file: null, data: {} }, { GTH_LLAMA_SERVER: '/opt/ls', GTH_STATE_DIR: 'st' }, '/town');
    expect(e).toMatchObject({ binary: '/opt/ls', stateDir: '/town/st' });
  });

  it('names file and field for every bad value at once', () => {
    const raw = { file: '/town/gastown.yml', data: { runtime: { readyTimeoutMs: -1, sha256: { 'a.gguf': 'xyz' } }, hardware: { ramReserveMiB: 'lots' } } };
    let message = '';
    try {
      loadRuntimeSettings(raw, {}, '/town');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('/town/gastown.yml: runtime.readyTimeoutMs');
    expect(message).toContain('/town/gastown.yml: runtime.sha256.a.gguf: expected 64 hex digits');
    expect(message).toContain('/town/gastown.yml: hardware.ramReserveMiB');
  });
});
