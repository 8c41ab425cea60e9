// Standby servers: catalog models the plan left out are sized by the planner so the endpoint can still load them.
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../../../src/fleet/config.js';
import { standbyServers, STANDBY_IMPORTANCE } from '../../../../src/runtime/endpoint/standby.js';
import { resolveModel, listModelNames } from '../../../../src/runtime/endpoint/routing.js';

const cfg = loadFleetConfig({ file: null, data: {} });
const byName = new Map(cfg.catalog.map((m) => [m.name, m]));
const fileOf = (name: string): string => byName.get(name)!.file;

describe('standbyServers', () => {
  it('sizes each present, unplanned catalog model on its rule device and role, less important than any planned server', () => {
    const onDisk = new Set(['Qwen2.5-Coder-3B-Instruct', 'Qwen2.5-Coder-7B-Instruct', 'SmolLM2-1.7B-Instruct'].map(fileOf));
    const planned = standbyServers([], cfg, (f) => f === fileOf('Qwen2.5-Coder-3B-Instruct')).map((s) => ({ ...s, importance: 0 }));
    const standby = standbyServers(planned, cfg, (f) => onDisk.has(f));
    // The 3B is planned already; models whose GGUF is missing are not loadable, so not offered.
    expect(standby.map((s) => [s.model, s.device, s.roles])).toEqual([
      ['Qwen2.5-Coder-7B-Instruct', 'gpu', ['polecat']],
      ['SmolLM2-1.7B-Instruct', 'cpu', ['librarian']],
    ]);
    for (const s of standby) {
      expect(s.importance).toBeGreaterThanOrEqual(STANDBY_IMPORTANCE);
      expect(s.slots).toBe(1);
      expect(s.args).toContain('-m');
    }
    // Room for the largest prompt the switcher sends the 7B (its rule's 14000-token band), not just a short one.
    expect(standby[0]!.ctxPerSlot).toBeGreaterThanOrEqual(14_000);
    // Sized by the planner: weights plus cache, not the bare file.
    expect(standby[0]!.vramMiB).toBeGreaterThan(byName.get('Qwen2.5-Coder-7B-Instruct')!.fileSizeMiB);

    const table = { servers: [...planned, ...standby], pick: () => ({ local: true as const, model: 'Qwen2.5-Coder-7B-Instruct', device: 'gpu' as const }) };
    expect(listModelNames(table).slice(0, 3)).toEqual(['Qwen2.5-Coder-3B-Instruct', 'Qwen2.5-Coder-7B-Instruct', 'SmolLM2-1.7B-Instruct']);
    // polecat stays on the planned server; the switcher's size band may now reach a standby one; librarian has one now.
    expect(resolveModel('polecat', table)).toMatchObject({ ok: true, server: { model: 'Qwen2.5-Coder-3B-Instruct' } });
    expect(resolveModel('polecat:9000', table)).toMatchObject({ ok: true, server: { model: 'Qwen2.5-Coder-7B-Instruct' } });
    expect(resolveModel('librarian', table)).toMatchObject({ ok: true, server: { id: 'cpu-smollm2-1.7b-instruct' } });
  });

  it('leaves out a model that does not fit the hardware even alone', () => {
    const tiny = loadFleetConfig({ file: null, data: { hardware: { gpu: { vramMiB: 3000, desktopReserveMiB: 500, safetyMarginMiB: 256 } } } });
    const models = standbyServers([], tiny, () => true).map((s) => `${s.device}:${s.model}`);
    expect(models).not.toContain('gpu:Qwen2.5-Coder-7B-Instruct');
    expect(models).toContain('cpu:SmolLM2-1.7B-Instruct');
  });
});
