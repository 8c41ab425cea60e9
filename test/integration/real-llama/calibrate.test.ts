// Real llama-server tier: `gth calibrate --layers 2` on the 3B coder and the MoE coder; every logged buffer within target.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Calibration } from '../../../src/fleet/calibration.js';
import { gth } from '../../support/cli.js';
import { announceSkip, locateRealLlama } from './locate.js';

const real = locateRealLlama();
const quantizer = real.binary ? join(dirname(real.binary), 'llama-quantize') : null;
const skip = real.skipReason ?? (quantizer && !existsSync(quantizer) ? `no llama-quantize at ${quantizer} (rebuild with runner-setup/build-llama-server.sh)` : null);
announceSkip('real llama-server calibrate tier', skip);

const MODELS = ['Qwen2.5-Coder-3B-Instruct', 'Qwen3-Coder-30B-A3B-Instruct'];

describe.skipIf(skip !== null)(skip ? `gth calibrate (SKIPPED: ${skip})` : `gth calibrate against ${real.binary}`, () => {
  it('--layers 2 on the 3B coder and the MoE coder: weights and KV within 2%, compute within 10% or 16 MiB', { timeout: 900_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gth-calibrate-'));
    // Q8_0: the synthetic file's own type, so no requantizing (k-quants of the MoE's 1.2 G expert weights took
    // minutes of the suite), and not repacked by the x86 CPU backend (a CPU_REPACK copy of Q4_0/Q4_K tensors is
    // reported apart and would blur the weights comparison). Two slots only: one server start per cache mode,
    // and 2 slots still tell per-slot buffers (KV, outputs, attention scratch) from per-server ones.
    const r = await gth(['calibrate', '--layers', '2', '--models', MODELS.join(','), '--ctx', '1024', '--slots', '2', '--quant', 'Q8_0', '--json'], {
      cwd: dir,
      env: { GTH_LLAMA_SERVER: real.binary!, GTH_LLAMA_VOCAB: real.vocab!, GTH_STATE_DIR: join(dir, 'state'), PATH: (process.env.PATH ?? '').split(':').filter((p) => !p.includes('test/doubles')).join(':'), HOME: process.env.HOME },
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const { file, ...rest } = JSON.parse(String(r.stdout)) as Calibration & { file: string };
    const cal = Calibration.parse(rest);
    // 2 models x 1 context x 1 slot count x 2 cache modes (quantized with flash attention, f16 without).
    expect(cal.runs).toHaveLength(4);
    expect(cal.runs.map((x) => x.model)).toEqual([MODELS[0], MODELS[0], MODELS[1], MODELS[1]]);
    for (const run of cal.runs) {
      const what = `${run.model} ${run.slots}x${run.ctxPerSlot} ${run.cacheTypeK}/${run.cacheTypeV} fa ${run.flashAttn}: estimate ${JSON.stringify(run.estimate)} measured ${JSON.stringify(run.measured)}`;
      process.stderr.write(`${what}\n`);
      expect(run.layers).toBe(2);
      expect(run.synthetic).toBe(true);
      expect(run.measured.slotCtx).toEqual(Array.from({ length: run.slots }, () => run.ctxPerSlot));
      expect(run.measured.weightsMiB).toBeGreaterThan(0);
      expect(run.within, what).toEqual({ weights: true, kv: true, compute: true });
      // The planner's own flags were used.
      expect(run.args).toEqual(expect.arrayContaining(['--parallel', String(run.slots), '-ctk', run.cacheTypeK, '--flash-attn', run.flashAttn, '--cache-ram']));
    }
    // Saved where the planner reads it.
    expect(Calibration.parse(JSON.parse(readFileSync(file, 'utf8'))).runs).toHaveLength(4);
  });
});
