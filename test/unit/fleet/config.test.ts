import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { ConfigError, loadRawConfig } from '../../../src/config/load.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { DEFAULT_CATALOG } from '../../../src/fleet/default-catalog.js';
import { DEFAULT_SWITCHER } from '../../../src/fleet/switcher-schema.js';
import { DEFAULT_HARDWARE, usableCores } from '../../../src/fleet/hardware.js';
import { readMeasured } from '../../../src/fleet/plan-run.js';
import { defaultConfig } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-fleetcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('fleet config defaults', () => {
  it('is the seed PC: RTX 3080 10240 MiB, 1700 reserve, P-cores 0-5 usable (logical 0-11), E-cores 16-19', () => {
    const cfg = defaultConfig();
    expect(cfg.hardware.gpu.vramMiB).toBe(10240);
    expect(cfg.hardware.gpu.desktopReserveMiB).toBe(1700);
    const cores = usableCores(cfg.hardware);
    expect(cores.filter((c) => c.cls === 'p').flatMap((c) => c.logical)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(cores.filter((c) => c.cls === 'e').flatMap((c) => c.logical)).toEqual([16, 17, 18, 19]);
    expect(cfg.catalog.map((m) => m.name)).toContain('Qwen2.5-Coder-3B-Instruct');
  });

  it('ships YAML files in config/ that equal the built-in defaults', () => {
    const root = resolve(import.meta.dirname, '../../..');
    const load = (f: string) => yaml.load(readFileSync(join(root, 'config', f), 'utf8')) as Record<string, unknown>;
    expect(load('catalog.yml').catalog).toEqual(DEFAULT_CATALOG);
    expect(load('switcher.yml').switcher).toEqual(DEFAULT_SWITCHER);
    expect(load('hardware.yml').hardware).toEqual(DEFAULT_HARDWARE);
  });

  it('reads catalogFile relative to gastown.yml', () => {
    const file = join(dir, 'gastown.yml');
    writeFileSync(join(dir, 'cat.yml'), yaml.dump({ catalog: [{ ...DEFAULT_CATALOG[0], name: 'Tiny', fallback: undefined }] }));
    writeFileSync(file, yaml.dump({ catalogFile: 'cat.yml', switcher: { rules: [{ role: 'polecat', model: 'Tiny', device: 'gpu' }], cpuAgents: {} } }));
    const cfg = loadFleetConfig(loadRawConfig(file, {}, dir), dir);
    expect(cfg.catalog.map((m) => m.name)).toEqual(['Tiny']);
    expect(cfg.catalogSource).toBe(join(dir, 'cat.yml'));
  });
});

describe('bad fleet config is rejected naming the field', () => {
  it('negative sizes', () => {
    const msg = errorOf(() => defaultConfig({ hardware: { gpu: { vramMiB: -1 } }, catalog: [{ ...DEFAULT_CATALOG[0], fileSizeMiB: -5 }] }));
    expect(msg).toMatch(/hardware\.gpu\.vramMiB/);
    expect(msg).toMatch(/catalog\[0\]\.fileSizeMiB/);
  });

  it('unknown model names, pointing from a seed name to its real stand-in', () => {
    const msg = errorOf(() => defaultConfig({ switcher: { rules: [{ role: 'polecat', model: 'Qwen3-Coder-3B', device: 'gpu' }] } }));
    expect(msg).toMatch(/switcher\.rules\[0\]\.model: unknown model "Qwen3-Coder-3B" \(it does not exist; use "Qwen2\.5-Coder-3B-Instruct"/);
  });

  it('context above the trained context', () => {
    const msg = errorOf(() => defaultConfig({ switcher: { rules: [{ role: 'polecat', maxPromptTokens: 40000, model: 'Qwen2.5-Coder-7B-Instruct', device: 'gpu' }] } }));
    expect(msg).toMatch(/switcher\.rules\[0\]\.maxPromptTokens: 40000 prompt \+ 2000 output tokens exceeds the trained context of Qwen2\.5-Coder-7B-Instruct \(32768\)/);
  });

  it('more threads than cores', () => {
    const msg = errorOf(() => defaultConfig({ switcher: { cpuAgents: { refinery: { coreClass: 'p', cores: 8 }, librarian: { coreClass: 'e', cores: 6 } } } }));
    expect(msg).toMatch(/switcher\.cpuAgents\.refinery\.cores: 8 threads but only 6 P-cores are free \(8 minus 2 kept for the human\)/);
    expect(msg).toMatch(/switcher\.cpuAgents\.librarian\.cores: 6 threads but only 4 E-cores exist/);
  });

  it('more reserved P-cores than the CPU has', () => {
    expect(errorOf(() => defaultConfig({ hardware: { cpu: { pCores: 2, reservedPCores: 3 } } }))).toMatch(/hardware\.cpu\.reservedPCores/);
  });

  it('collects problems from every section into one error', () => {
    const msg = errorOf(() => defaultConfig({ hardware: { ramMiB: -1 }, switcher: { maxSlotsPerServer: 0 }, catalog: [] }));
    expect(msg.split('\n').length).toBeGreaterThanOrEqual(3);
    expect(msg).toMatch(/hardware\.ramMiB/);
    expect(msg).toMatch(/switcher\.maxSlotsPerServer/);
    expect(msg).toMatch(/catalog/);
  });

  it('measured speeds for unknown models', () => {
    const file = join(dir, 'measured.json');
    writeFileSync(file, JSON.stringify({ 'Llama 4 8B': { gen: 80, prompt: 900 } }));
    expect(errorOf(() => readMeasured(file, defaultConfig()))).toMatch(/measured\.Llama 4 8B: unknown model "Llama 4 8B" \(it does not exist; use "Qwen3-8B"/);
    writeFileSync(file, JSON.stringify({ 'Qwen3-8B': { gen: -1, prompt: 900 } }));
    expect(errorOf(() => readMeasured(file, defaultConfig()))).toMatch(/Qwen3-8B\.gen/);
  });
});
