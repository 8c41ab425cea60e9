import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { BeadStore } from '../../../src/beads/store.js';
import { FleetPlan } from '../../../src/fleet/plan-schema.js';
import { writeGguf } from '../../../src/fleet/gguf-writer.js';
import { loadRigTokens } from '../../../src/fleet/rig-context.js';
import { estimatePromptTokens } from '../../../src/fleet/prompt-tokens.js';
import { DEFAULT_SWITCHER } from '../../../src/fleet/switcher-schema.js';
import { GTH_ARGV } from '../../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gth-plan-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the real CLI in a child process, from a folder without gastown.yml so defaults apply. */
const gth = (args: string[], env: Record<string, string> = {}) =>
  execa(GTH_ARGV[0]!, [...GTH_ARGV.slice(1), ...args], {
    cwd: tmp,
    reject: false,
    env: { GTH_CONFIG: '', GTH_STATE_DIR: join(tmp, 'state'), ...env },
    extendEnv: true,
  });

const beadsDir = join(tmp, 'town', 'beads');

beforeAll(async () => {
  mkdirSync(beadsDir, { recursive: true });
  const store = new BeadStore({ dir: beadsDir, prefix: 'tw', env: {} });
  await store.create({ id: 'tw-1', title: 'Write BeatClock', files: ['scripts/beat_clock.gd'] });
  await store.create({ id: 'tw-2', title: 'Review BeatClock', role: 'refinery', dependencies: [{ id: 'tw-1', kind: 'blocks' }] });
});

describe('gth plan (real process)', () => {
  it.concurrent('plans the built-in sample convoy as JSON that matches the FleetPlan contract', async () => {
    const r = await gth(['plan', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = FleetPlan.parse(JSON.parse(r.stdout));
    const small = plan.servers.find((s) => s.model === 'Qwen2.5-Coder-3B-Instruct')!;
    expect(small.slots).toBeGreaterThanOrEqual(4);
    expect(plan.waves.length).toBeGreaterThan(2);
    expect(plan.estWallSeconds).toBeGreaterThan(0);
  });

  it.concurrent('prints servers with command lines, the seed rule beside computed KV, waves and wall time', async () => {
    const r = await gth(['plan']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\$ taskset -c 0-11 llama-server -m models\/DeepSeek-R1-Distill-Qwen-32B-Q4_K_M\.gguf .*--threads 6/);
    expect(r.stdout).toMatch(/--parallel 4 -ngl 37 -ctk q8_0 -ctv q4_0 --flash-attn auto/);
    expect(r.stdout.split('\n')[0]).toMatch(/^\d+ agents? at once on the GPU, \d+ agents? on the CPU: \d+ beads in about \d+ (minute|hour|day)s?\.$/);
    expect(r.stdout).toMatch(/makespan .*; lower bound .*critical path/);
    expect(r.stdout).toMatch(/KV per token: 0\.0143 MiB with q8_0\/q4_0 \(f16: 0\.0352\); seed's rule 0\.11 MiB\/token would reserve/);
    expect(r.stdout).toMatch(/wave 0: cpu-deepseek-r1-distill-qwen-32b/);
    expect(r.stdout).toMatch(/Desktop headroom at the busiest moment: VRAM [\d,]+ MiB/);
    expect(r.stdout).toMatch(/Estimated wall time: \d+/);
  });

  it.concurrent('plans a bead folder read through the bead store, with measured speeds', async () => {
    const measured = join(tmp, 'measured.json');
    writeFileSync(measured, JSON.stringify({ 'Qwen2.5-Coder-3B-Instruct': { gen: 61, prompt: 2500 } }));
    const r = await gth(['plan', '--beads', beadsDir, '--measured', measured, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = FleetPlan.parse(JSON.parse(r.stdout));
    expect(plan.waves.map((w) => w.assignments.map((a) => a.beadId))).toEqual([['tw-1'], ['tw-2']]);
    const gpu = plan.servers.find((s) => s.device === 'gpu')!;
    expect(gpu.tokensPerSecondSource).toBe('measured');
    expect(gpu.tokensPerSecond).toBe(61);
  });

  it.concurrent('counts the rig README and referenced files into prompt sizes', async () => {
    const rig = join(tmp, 'rig');
    mkdirSync(join(rig, 'scripts'), { recursive: true });
    writeFileSync(join(rig, 'README.md'), 'word '.repeat(50));
    writeFileSync(join(rig, 'scripts/beat_clock.gd'), 'var beat := 0\n'.repeat(400));
    const r = await gth(['plan', '--beads', beadsDir, '--rig', rig, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const first = FleetPlan.parse(JSON.parse(r.stdout)).waves[0]!.assignments[0]!;
    const b = await new BeadStore({ dir: beadsDir, prefix: 'tw', env: {} }).get('tw-1');
    const rigTokens = loadRigTokens(rig);
    expect(first.promptTokens).toBe(estimatePromptTokens(b, DEFAULT_SWITCHER.prompt, rigTokens).tokens);
    // The short README replaces the 1k default and the referenced file adds its own tokens.
    expect(first.promptTokens).toBeGreaterThan(estimatePromptTokens(b, DEFAULT_SWITCHER.prompt).tokens + 1000);
  });

  it.concurrent('reads architecture from a GGUF header in the models folder', async () => {
    // Not the default "models" folder: the other tests in this file run at the same time from the same cwd.
    const models = join(tmp, 'gguf-models');
    mkdirSync(models, { recursive: true });
    const u32 = (value: number) => ({ type: 'u32' as const, value });
    writeGguf(join(models, 'Qwen2.5-Coder-3B-Instruct-Q4_K_M.gguf'), {
      'general.architecture': { type: 'str', value: 'qwen2' },
      'qwen2.block_count': u32(6),
      'qwen2.context_length': u32(32768),
      'qwen2.embedding_length': u32(256),
      'qwen2.feed_forward_length': u32(512),
      'qwen2.attention.head_count': u32(4),
      'qwen2.attention.head_count_kv': u32(1),
      'qwen2.vocab_size': u32(1000),
    });
    const cfg = join(tmp, 'gguf.yml');
    writeFileSync(cfg, yaml.dump({ hardware: { modelsDir: models } }));
    const json = await gth(['plan', '--config', cfg, '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const small = FleetPlan.parse(JSON.parse(json.stdout)).servers.find((s) => s.model === 'Qwen2.5-Coder-3B-Instruct')!;
    expect(small.gpuLayers).toBe(7);
    // 6 layers x 1 KV head x (64-wide K at q8_0 + 64-wide V at q4_0) per token.
    expect(small.estimate!.kvMiBPerToken * 1048576).toBeCloseTo(6 * 1 * (68 + 36), 6);
  });

  it.concurrent('fails with exit 1 naming the config field, and exit 2 on a missing folder', async () => {
    const bad = join(tmp, 'bad.yml');
    writeFileSync(bad, yaml.dump({ switcher: { rules: [{ role: 'polecat', model: 'Qwen3-Coder-7B', device: 'gpu' }] }, hardware: { gpu: { vramMiB: -10 } } }));
    const [cfg, folder] = await Promise.all([gth(['plan', '--config', bad]), gth(['plan', '--beads', join(tmp, 'nope')])]);
    expect(cfg.exitCode).toBe(1);
    expect(cfg.stderr).toContain(`${bad}: hardware.gpu.vramMiB`);
    expect(cfg.stdout).toBe('');
    expect(folder.exitCode).toBe(2);
    expect(folder.stderr).toMatch(/--beads: folder not found/);
  });
});
