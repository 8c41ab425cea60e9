import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
