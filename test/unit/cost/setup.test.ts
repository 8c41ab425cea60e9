import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRawConfig } from '../../../src/config/load.js';
import { createLedgerMeter } from '../../../src/cost/setup.js';
import { TEST_PRICES } from './ledger-fixture.js';

const town = mkdtempSync(join(tmpdir(), 'gth-meter-setup-'));
afterAll(() => rmSync(town, { recursive: true, force: true }));

describe('createLedgerMeter', () => {
  it('meters into the town ledger with the configured watts and prices', async () => {
    writeFileSync(join(town, 'gastown.yml'), `cost:\n  prices: ${TEST_PRICES}\n  localWatts: 360\n`);
    let now = 0;
    const meter = createLedgerMeter({ raw: loadRawConfig(undefined, {}, town), env: {}, townRoot: town, clock: () => now });
    // 10 s of a local call at 360 W = 1 Wh = $0.0002 at $0.2/kWh.
    await meter.track({ meta: { role: 'librarian' }, provider: 'openai-compatible', model: 'smollm2-1.7b', local: true }, async () => {
      now = 10_000;
      return { text: 'doc', usage: { prompt: 10, completion: 5, cached: 0, thinking: 0 }, latencyMs: 10_000, model: 'smollm2-1.7b' };
    });
    const line = JSON.parse(readFileSync(join(town, '.gastown-state', 'ledger.jsonl'), 'utf8')) as Record<string, unknown>;
    expect(line).toMatchObject({ role: 'librarian', seconds: 10, energyWh: 1, energySource: 'configured', money: { cloudUsd: 0, electricityUsd: 0.0002, totalUsd: 0.0002 } });
  });

  it('reads the GPU power from nvidia-smi by default, and not when cost.powerSampler is none', async () => {
    const bin = fileURLToPath(new URL('../../doubles/bin', import.meta.url));
    const state = join(town, 'gpu.json');
    writeFileSync(state, JSON.stringify({ gpus: [{ name: 'NVIDIA GeForce RTX 3080', uuid: 'GPU-1', memoryUsedMiB: 3000, memoryTotalMiB: 10240, powerDrawW: 180, utilizationPct: 90 }] }));
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_NVIDIA_SMI_STATE: state, GTH_LEDGER: join(town, 'sampled.jsonl') };
    const call = async (yml: string): Promise<Record<string, unknown>> => {
      writeFileSync(join(town, 'gastown.yml'), yml);
      let now = 0;
      const meter = createLedgerMeter({ raw: loadRawConfig(undefined, {}, town), env, townRoot: town, clock: () => now });
      await meter.track({ meta: { role: 'polecat' }, provider: 'openai-compatible', model: 'coder', local: true, device: 'gpu' }, async () => {
        now = 20_000;
        return { text: 'x', usage: { prompt: 1, completion: 1, cached: 0, thinking: 0 }, latencyMs: 20_000, model: 'coder' };
      });
      const lines = readFileSync(env.GTH_LEDGER, 'utf8').trim().split('\n');
      return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    };
    // 180 W read at the start and the end of 20 s = 1 Wh.
    expect(await call(`cost:\n  prices: ${TEST_PRICES}\n`)).toMatchObject({ device: 'gpu', energyWh: 1, energySource: 'sampled' });
    // none: the configured 360 W for 20 s = 2 Wh, though nvidia-smi answers.
    expect(await call(`cost:\n  prices: ${TEST_PRICES}\n  localWatts: 360\n  powerSampler: none\n`)).toMatchObject({ energyWh: 2, energySource: 'configured' });
  });
});
