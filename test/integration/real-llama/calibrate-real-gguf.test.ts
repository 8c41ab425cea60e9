// Real llama-server tier: gth calibrate on a real GGUF in modelsDir, --speed feeding gth plan, and the CUDA path against a stand-in nvidia-smi.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { Calibration } from '../../../src/fleet/calibration.js';
import { runPlan } from '../../../src/fleet/plan-run.js';
import { createLogger } from '../../../src/util/logger.js';
import { writeSyntheticGguf } from '../../../src/fleet/synthetic-gguf.js';
import { gth, repoRoot } from '../../support/cli.js';
import { announceSkip, locateRealLlama } from './locate.js';

const real = locateRealLlama();
const quantizer = real.binary ? join(dirname(real.binary), 'llama-quantize') : null;
const skip = real.skipReason ?? (quantizer && !existsSync(quantizer) ? `no llama-quantize at ${quantizer} (rebuild with runner-setup/build-llama-server.sh)` : null);
announceSkip('real llama-server calibrate (real GGUF, --speed, CUDA stand-in) tier', skip);

const MODEL = 'Tiny-Coder';
const FILE = 'tiny-coder.Q6_K.gguf';
// A catalog entry small enough to quantize and serve in seconds; the file on disk has 3 layers where the
// catalog says 2, so a run with 3 layers proves the header of the real file was used.
const ARCH = { name: 'qwen2', layers: 2, headCount: 4, kvHeads: 2, keyLength: 64, valueLength: 64, embeddingLength: 256, feedForwardLength: 512, vocabSize: 151936, contextLength: 32768, tiedEmbeddings: true };
const CONFIG = `
hardware:
  modelsDir: models
catalog:
  - name: ${MODEL}
    file: ${FILE}
    quant: Q6_K
    fileSizeMiB: 40
    arch: ${JSON.stringify(ARCH)}
    speed: { cpu: { gen: 50, prompt: 500 } }
switcher:
  rules:
    - { role: polecat, model: gemini-3-flash-preview, device: cloud }
    - { role: refinery, model: ${MODEL}, device: cpu }
    - { role: librarian, model: ${MODEL}, device: cpu }
    - { role: mayor, model: gemini-3-pro-preview, device: cloud }
    - { role: crew, model: gemini-3-flash-preview, device: cloud }
`;

const silent = createLogger({ GTH_LOG_LEVEL: 'silent' }, 'test');
const withoutDoubles = (path: string | undefined): string => (path ?? '').split(':').filter((p) => !p.includes('test/doubles')).join(':');

describe.skipIf(skip !== null)(skip ? `gth calibrate on real GGUFs (SKIPPED: ${skip})` : `gth calibrate on real GGUFs against ${real.binary}`, () => {
  let dir: string;
  const env = (stateDir: string, path = withoutDoubles(process.env.PATH)) => ({
    GTH_LLAMA_SERVER: real.binary!, GTH_LLAMA_VOCAB: real.vocab!, GTH_STATE_DIR: join(dir, stateDir), PATH: path, HOME: process.env.HOME,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gth-calibrate-real-'));
    writeFileSync(join(dir, 'gastown.yml'), CONFIG);
    mkdirSync(join(dir, 'models'));
    // A real GGUF made the way a model is: the project's writer, then llama-quantize from the same build.
    const q8 = join(dir, 'tiny.q8_0.gguf');
    writeSyntheticGguf(q8, { arch: { ...ARCH, layers: 3 }, layers: 3, vocabGguf: real.vocab!, name: MODEL });
    const q = await execa(quantizer!, ['--allow-requantize', q8, join(dir, 'models', FILE), 'Q6_K', '2'], { reject: false, all: true });
    expect(q.exitCode, String(q.all)).toBe(0);
    rmSync(q8);
  }, 300_000);

  it('calibrates on the GGUF in modelsDir (not a synthetic one), measures speed once, and gth plan then says "measured"', { timeout: 600_000 }, async () => {
    const r = await gth(['calibrate', '--models', MODEL, '--ctx', '512', '--slots', '1', '--speed', '--json'], { cwd: dir, env: env('state') });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const { file, ...rest } = JSON.parse(String(r.stdout)) as Calibration & { file: string };
    const cal = Calibration.parse(rest);
    expect(cal.device).toBe('cpu');
    expect(cal.runs).toHaveLength(2);
    for (const run of cal.runs) {
      expect(run.synthetic).toBe(false);
      expect(run.layers).toBe(3);
      expect(run.args.slice(0, 2)).toEqual(['-m', join(dir, 'models', FILE)]);
      expect(run.within, JSON.stringify(run)).toEqual({ weights: true, kv: true, compute: true });
    }
    // Speed: measured once per model, on the first point of the grid.
    const [first, second] = cal.runs;
    expect(first!.genTokensPerSecond).toBeGreaterThan(0);
    expect(first!.promptTokensPerSecond).toBeGreaterThan(0);
    expect(first!.genTokensPerSecond!).toBeLessThanOrEqual(first!.boundGen!);
    expect(second!.genTokensPerSecond).toBeUndefined();
    // A model this small is not bandwidth-bound (it reads ~40 MB a token): it sets no global decode efficiency.
    expect(cal.decodeEfficiency).toBeUndefined();
    expect(file).toBe(join(dir, 'state', 'calibration.json'));

    // The planner reads the calibration file: the tiny model's speed is the measured one (gth plan's own flow, in process).
    const { plan } = await runPlan({ cwd: dir, env: env('state'), logger: silent });
    const server = plan.servers.find((s) => s.model === MODEL)!;
    expect(server.tokensPerSecondSource).toBe('measured');
    expect(server.promptTokensPerSecondSource).toBe('measured');
    // Measured at the calibration's --threads; the plan scales it to the threads the server gets (never above the bound).
    const at = Number(first!.args[first!.args.indexOf('--threads') + 1]);
    expect(server.tokensPerSecond).toBeCloseTo(Math.min((first!.genTokensPerSecond! * server.threads) / at, server.tokensPerSecondBound!), 0);
    expect(plan.notes?.join('\n')).toContain(`${MODEL}: decode`);
    expect(plan.notes?.join('\n')).toContain(`at ${at} thread`);
  });

  it('CUDA path against a stand-in nvidia-smi (no GPU here): GPU flags, VRAM per pid, CUDA overhead read by gth plan', { timeout: 600_000 }, async () => {
    // The stand-in reports one 10 GB GPU and 700 MiB for every running llama-server; the CPU build ignores -ngl.
    const smiState = join(dir, 'smi.json');
    writeFileSync(smiState, JSON.stringify({ gpus: [{ name: 'NVIDIA GeForce RTX 3080', memoryTotalMiB: 10240, memoryUsedMiB: 1200 }], apps: [{ processName: 'llama-server', usedMemoryMiB: 700 }] }));
    const path = `${join(repoRoot, 'test', 'doubles', 'bin')}:${withoutDoubles(process.env.PATH)}`;
    // --layers 1: a synthetic model from the catalog's shapes (the real file is ignored), made with calibrate's own llama-quantize step.
    const r = await gth(['calibrate', '--models', MODEL, '--layers', '1', '--quant', 'Q4_K_M', '--ctx', '512', '--slots', '1', '--json'], {
      cwd: dir,
      env: { ...env('state-gpu', path), FAKE_NVIDIA_SMI_STATE: smiState },
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const { file: _file, ...rest } = JSON.parse(String(r.stdout)) as Calibration & { file: string };
    const cal = Calibration.parse(rest);
    expect(cal.device).toBe('gpu');
    const overheads: number[] = [];
    for (const run of cal.runs) {
      expect(run.synthetic).toBe(true);
      expect(run.layers).toBe(1);
      // Every layer and the output head offloaded; no --device none (that is for CPU servers only).
      expect(run.args.join(' ')).toContain('-ngl 2');
      expect(run.args).not.toContain('--device');
      expect(run.measured.vramMiB).toBe(700);
      overheads.push(700 - run.measured.weightsMiB - run.measured.kvMiB - run.measured.computeMiB);
    }
    // The median over the runs (of two, the upper one) is the CUDA overhead the planner uses.
    const expected = Math.max(0, [...overheads].sort((a, b) => a - b)[1]!);
    expect(cal.cudaOverheadMiB).toBeCloseTo(expected, 1);

    const { plan } = await runPlan({ cwd: dir, env: env('state-gpu'), logger: silent });
    expect(plan.notes?.join('\n')).toContain(`CUDA overhead ${Math.round(cal.cudaOverheadMiB!)} MiB per server measured by gth calibrate`);
  });
});
