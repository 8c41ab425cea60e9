// Hand-priced ledger entries (prices: ./prices-test.yml) shared by cost tests.
import { fileURLToPath } from 'node:url';
import type { LedgerEntry } from '../../../src/cost/ledger-schema.js';

export const TEST_PRICES = fileURLToPath(new URL('./prices-test.yml', import.meta.url));


/**
 * 1 mayor on cloud-pro, cv-a: (8000 x 2 + 2000 x 0.2 + 4000 x 12) / 1e6 = 0.0644
 * 2 polecat local, cv-a: 5 Wh x 0.2 $/kWh = 0.001; all-cloud on cloud-flash (5000 x 0.5 + 1000 x 0.05 + 2000 x 3) / 1e6 = 0.00855
 * 3 refinery local, cv-b: 25 Wh -> 0.005; all-cloud on cloud-pro (12000 x 2 + 2000 x 12) / 1e6 = 0.048
 * 4 polecat local, no convoy, a day earlier, by another tool through the fleet endpoint (caller aider/editor):
 *   1 Wh -> 0.0002; all-cloud (1000 x 0.5 + 100 x 3) / 1e6 = 0.0008
 * Devices: 2 ran on the GPU, 3 (the Refinery) on the CPU, 4 is an older line without a device (metered as GPU):
 * GPU 6 Wh, CPU 25 Wh.
 * All-cloud time: cloud-pro measured from call 1 (1000 + 3000 output tokens in 20 s = 200 tok/s), cloud-flash
 * configured at 100 tok/s: 1 -> 20 s, 2 -> 2000 / 100 = 20 s, 3 -> 2000 / 200 = 10 s, 4 -> 100 / 100 = 1 s.
 */
export const ENTRIES: LedgerEntry[] = [
  {
    v: 1, time: '2026-01-29T10:00:00.000Z', role: 'mayor', bead: 'ab-0001', convoy: 'cv-a', provider: 'gemini', model: 'cloud-pro', local: false,
    tokens: { in: 10_000, out: 1_000, cached: 2_000, thinking: 3_000 }, seconds: 20, energyWh: 0, energySource: 'none',
    money: { cloudUsd: 0.0644, electricityUsd: 0, totalUsd: 0.0644 },
  },
  {
    v: 1, time: '2026-01-29T10:05:00.000Z', role: 'polecat', bead: 'ab-0002', convoy: 'cv-a', provider: 'openai-compatible', model: 'qwen3-coder-3b', local: true, device: 'gpu',
    tokens: { in: 6_000, out: 2_000, cached: 1_000, thinking: 0 }, seconds: 60, ttftSeconds: 0.4, energyWh: 5, energySource: 'sampled',
    money: { cloudUsd: 0, electricityUsd: 0.001, totalUsd: 0.001 },
  },
  {
    v: 1, time: '2026-01-29T11:00:00.000Z', role: 'refinery', bead: 'ab-0003', convoy: 'cv-b', provider: 'openai-compatible', model: 'r1-distill-32b', local: true, device: 'cpu',
    tokens: { in: 12_000, out: 500, cached: 0, thinking: 1_500 }, seconds: 300, energyWh: 25, energySource: 'configured',
    money: { cloudUsd: 0, electricityUsd: 0.005, totalUsd: 0.005 },
  },
  {
    v: 1, time: '2026-01-28T09:00:00.000Z', role: 'polecat', bead: null, convoy: null, caller: 'aider/editor', provider: 'openai-compatible', model: 'qwen3-coder-3b', local: true,
    tokens: { in: 1_000, out: 100, cached: 0, thinking: 0 }, seconds: 10, energyWh: 1, energySource: 'configured',
    money: { cloudUsd: 0, electricityUsd: 0.0002, totalUsd: 0.0002 },
  },
];

/** Counterfactual used with the fixture: polecats -> cloud-flash, refinery -> cloud-pro. */
export const TEST_COST_CONFIG = { counterfactual: { default: 'cloud-flash', roles: { refinery: 'cloud-pro' } }, cloudTokensPerSecond: { 'cloud-flash': 100 } };
