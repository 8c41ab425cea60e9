// gth doctor against stand-in binaries on a controlled PATH and real model files with real sha256 sums.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/doctor/run.js';
import { Catalog } from '../../../src/fleet/catalog-schema.js';
import { DEFAULT_CATALOG_INPUT } from '../../../src/fleet/default-catalog.js';
import { gth, repoRoot } from '../../support/cli.js';
import { testPrivateKey } from '../../support/github-webhooks.js';
import { findOnPath } from '../../../src/agents/rig/runner/index.js';

const catalog = Catalog.parse(DEFAULT_CATALOG_INPUT);
let root: string;
let bin: string;
let cwd: string;
let gpuState: string;

async function script(name: string, body: string): Promise<void> {
  const p = join(bin, name);
  await writeFile(p, `#!/usr/bin/env bash\n${body}\n`);
  await chmod(p, 0o755);
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    // Only our stand-ins and the test double dir: no real nvidia-smi, llama-server, godot or systemctl can answer.
    PATH: `${bin}:${join(repoRoot, 'test', 'doubles', 'bin')}`,
    HOME: root,
    FAKE_NVIDIA_SMI_STATE: gpuState,
    APP_ID: '4242',
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: 'hook',
    GEMINI_API_KEY: 'AIza-test-key',
    RUNNER_STATE: 'active running',
    GODOT_VERSION: '4.3.stable.official.77dcf97d8',
    ...extra,
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-doctor-'));
  bin = join(root, 'bin');
  cwd = join(root, 'studio');
  await mkdir(bin);
  await mkdir(join(cwd, 'models'), { recursive: true });
  // The shell tools the stand-in scripts use (test/doubles/bin/nvidia-smi needs dirname).
  for (const tool of ['bash', 'dirname']) await symlink(join('/usr/bin', tool), join(bin, tool)).catch(() => symlink(join('/bin', tool), join(bin, tool)));
  await symlink(process.execPath, join(bin, 'node'));
  // The real bubblewrap (CI installs it): the sandbox check starts a real sandbox.
  const bwrap = findOnPath('bwrap', process.env.PATH);
  if (bwrap) await symlink(bwrap, join(bin, 'bwrap'));
  await script('llama-server', 'if [ "$1" = --version ]; then echo "ggml_cuda_init: found 1 CUDA devices" >&2; echo "version: 4567 (abc1234)" >&2; echo "built with cc for x86_64-linux-gnu" >&2; exit 0; fi; exit 3');
  await script('godot4', 'echo "$GODOT_VERSION"');
  await script('systemctl', 'echo "actions.runner.aerobeat-game.pc1.service loaded $RUNNER_STATE GitHub Actions Runner (aerobeat-game.pc1)"');
  gpuState = join(root, 'gpu.json');
  await writeFile(gpuState, JSON.stringify({ gpus: [{ name: 'NVIDIA GeForce RTX 3080', memoryTotalMiB: 10240 }], driverVersion: '550.54.14' }));
  // Small stand-in GGUF files with their true sha256 recorded, as download-models.sh leaves them.
  const sums: string[] = [];
  for (const m of catalog) {
    const content = `GGUF stand-in for ${m.name}`;
    await writeFile(join(cwd, 'models', m.file), content);
    sums.push(`${createHash('sha256').update(content).digest('hex')}  ${m.file}`);
  }
  await writeFile(join(cwd, 'models', 'SHA256SUMS'), `${sums.join('\n')}\n`);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const problems = (rs: Awaited<ReturnType<typeof runDoctor>>) => rs.filter((r) => !r.ok);

describe('gth doctor', () => {
  it('reports every check ok on a healthy machine, hashing each model once', async () => {
    const progress: string[] = [];
    const results = await runDoctor({ env: env(), cwd, progress: (l) => progress.push(l) });
    expect(problems(results)).toEqual([]);
    expect(results.map((r) => r.check)).toEqual([
      'nvidia driver', 'llama-server', ...catalog.map((m) => `model ${m.name}`), 'github app', 'gemini key', 'godot', 'sandbox', 'actions runner', 'config',
    ]);
    expect(results[0]!.detail).toBe('NVIDIA GeForce RTX 3080, driver 550.54.14, 10240 MiB VRAM');
    expect(results[1]!.detail).toBe('llama-server version 4567 (abc1234), CUDA build');
    expect(progress).toHaveLength(catalog.length);
    // Second run: hashes come from the size/mtime cache.
    const again: string[] = [];
    expect(problems(await runDoctor({ env: env(), cwd, progress: (l) => again.push(l) }))).toEqual([]);
    expect(again).toEqual([]);
  });

  it('checks gastown.yml: an unknown top-level key is a problem naming it, with a did-you-mean', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gth-doctor-config-'));
    try {
      await writeFile(join(dir, 'gastown.yml'), 'hardwre:\n  gpu:\n    vramMiB: 12288\n');
      const { checkConfig } = await import('../../../src/doctor/checks/config.js');
      const [result] = await checkConfig({ env: env(), cwd: dir, run: async () => ({ found: false, code: null, stdout: '', stderr: '' }), progress: () => undefined });
      expect(result).toMatchObject({ check: 'config', ok: false });
      expect(result!.detail).toContain('hardwre: unknown top-level key (did you mean "hardware"?)');
      await writeFile(join(dir, 'gastown.yml'), 'hardware:\n  gpu:\n    vramMiB: 12288\n');
      const [fine] = await checkConfig({ env: env(), cwd: dir, run: async () => ({ found: false, code: null, stdout: '', stderr: '' }), progress: () => undefined });
      expect(fine).toMatchObject({ check: 'config', ok: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names each problem with a fix: driver down, no llama-server, old Godot, stopped runner, missing credentials', async () => {
    await writeFile(gpuState, JSON.stringify({ fail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." }));
    try {
      const results = await runDoctor({
        env: env({ GTH_LLAMA_SERVER: 'no-such-llama', GODOT_VERSION: '3.5.2.stable', RUNNER_STATE: 'inactive dead', APP_ID: '', GEMINI_API_KEY: '' }),
        cwd,
      });
      const byCheck = Object.fromEntries(problems(results).map((r) => [r.check, r]));
      expect(Object.keys(byCheck).sort()).toEqual(['actions runner', 'gemini key', 'github app', 'godot', 'llama-server', 'nvidia driver']);
      expect(byCheck['nvidia driver']!.detail).toContain('exit 9');
      expect(byCheck['nvidia driver']!.fix).toContain('reboot');
      expect(byCheck['llama-server']!.detail).toBe('no-such-llama not found');
      expect(byCheck['llama-server']!.fix).toContain('runner-setup/build-llama-server.sh');
      expect(byCheck.godot!.detail).toContain('Godot 4 is needed');
      expect(byCheck['actions runner']!.fix).toContain('sudo systemctl start actions.runner.aerobeat-game.pc1.service');
      expect(byCheck['github app']!.detail).toContain('APP_ID');
      expect(byCheck['github app']!.detail).not.toContain('BEGIN');
      expect(byCheck['gemini key']!.detail).toBe('GEMINI_API_KEY is not set');
    } finally {
      await writeFile(gpuState, JSON.stringify({ gpus: [{ name: 'NVIDIA GeForce RTX 3080', memoryTotalMiB: 10240 }] }));
    }
  });

  it('finds a corrupted, a missing and an unrecorded model file', async () => {
    const [a, b, c] = catalog;
    const modelDir = join(cwd, 'models');
    await appendFile(join(modelDir, a!.file), 'flipped bits');
    await rm(join(modelDir, b!.file));
    const sumsPath = join(modelDir, 'SHA256SUMS');
    const { readFile } = await import('node:fs/promises');
    const sums = await readFile(sumsPath, 'utf8');
    await writeFile(sumsPath, sums.split('\n').filter((l) => !l.endsWith(c!.file)).join('\n'));
    const results = problems(await runDoctor({ env: env(), cwd }));
    expect(results.map((r) => r.check)).toEqual([`model ${a!.name}`, `model ${b!.name}`, `model ${c!.name}`]);
    expect(results[0]!.detail).toMatch(/does not match the recorded/);
    expect(results[1]!.detail).toContain('missing');
    expect(results[1]!.fix).toBe(`runner-setup/download-models.sh ${b!.name}`);
    expect(results[2]!.detail).toContain('no sha256 recorded');
  });

  it('the CLI prints JSON and exits 1 when there is a problem', async () => {
    const r = await gth(['doctor', '--json'], { cwd, env: env({ GEMINI_API_KEY: '' }), extendEnv: false });
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(String(r.stdout)) as { ok: boolean; results: { check: string; ok: boolean }[] };
    expect(out.ok).toBe(false);
    expect(out.results.find((x) => x.check === 'gemini key')!.ok).toBe(false);
    expect(out.results.find((x) => x.check === 'nvidia driver')!.ok).toBe(true);
  });
});
