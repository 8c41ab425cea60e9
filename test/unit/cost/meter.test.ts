import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CostConfig } from '../../../src/cost/config.js';
import { readLedger } from '../../../src/cost/ledger.js';
import { LedgerMeter } from '../../../src/cost/meter.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { buildReport } from '../../../src/cost/report.js';
import { ScriptedProvider } from '../../support/scripted-provider.js';
import { TEST_PRICES } from './ledger-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-meter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const prices = loadPrices(TEST_PRICES);

function meterAt(file: string, clockStepMs: number): LedgerMeter {
  let t = 0;
  // Each clock read advances time, so durations are known: meter start, span start, span stop, meter stop.
  return new LedgerMeter({ ledgerPath: join(dir, file), prices, localWatts: 360, clock: () => (t += clockStepMs), now: () => new Date('2026-01-29T12:00:00Z') });
}

describe('LedgerMeter', () => {
  it('writes one line per round trip, so a repair round is two priced lines', async () => {
    const meter = meterAt('repair.jsonl', 1000);
    const p = new ScriptedProvider({ kind: 'gemini', local: false, model: 'cloud-flash', meter, replies: [{ text: 'oops', usage: { prompt: 1000, completion: 100 } }, { text: '{"ok":true}', usage: { prompt: 1200, completion: 50, thinking: 30 } }] });
    const { z } = await import('zod');
    const res = await p.chat({ messages: [{ role: 'user', content: 'q' }], schema: z.object({ ok: z.boolean() }), meta: { role: 'crew', convoyId: 'cv-1' } });
    expect(res.rounds).toBe(2);
    const { entries } = await readLedger(join(dir, 'repair.jsonl'));
    expect(entries).toHaveLength(2);
    // cloud-flash: 1000 x 0.5 + 100 x 3 = 800 per million; 1200 x 0.5 + 80 x 3 = 840 per million
    expect(entries.map((e) => e.money.cloudUsd)).toEqual([0.0008, 0.00084]);
    expect(entries.every((e) => e.convoy === 'cv-1' && e.role === 'crew' && e.energySource === 'none')).toBe(true);
    expect(entries[0]!.seconds).toBe(1); // clock read at start (1000) and end (2000)
  });

  it('records a failed local call with its time, energy and error, then rethrows', async () => {
    const meter = meterAt('failed.jsonl', 5000);
    const boom = new Error('connection to http://127.0.0.1:8080/v1 was reset');
    const p = new ScriptedProvider({ model: 'qwen3-coder-3b', meter, replies: ['never'], failOn: { 0: boom } });
    await expect(p.chat({ messages: [{ role: 'user', content: 'q' }], meta: { role: 'polecat', beadId: 'ab-1' } })).rejects.toBe(boom);
    const { entries } = await readLedger(join(dir, 'failed.jsonl'));
    expect(entries).toHaveLength(1);
    const e = entries[0]!;
    // clock: meter start 5 s, span start 10 s, span stop 15 s, meter stop 20 s
    // -> 15 s of call; the span saw 5 s at 360 W = 0.5 Wh = $0.0001 at $0.2/kWh
    expect(e).toMatchObject({ seconds: 15, energyWh: 0.5, energySource: 'configured', tokens: { in: 0, out: 0, cached: 0, thinking: 0 }, error: 'Error: connection to http://127.0.0.1:8080/v1 was reset' });
    expect(e.money).toEqual({ cloudUsd: 0, electricityUsd: 0.0001, totalUsd: 0.0001 });
    const report = buildReport(entries, [], { ledger: 'l', cost: CostConfig.parse({ counterfactual: { default: 'cloud-flash' } }), prices });
    expect(report.total).toMatchObject({ calls: 1, failedCalls: 1, allCloudUsd: 0 });
    expect(report.total.hybridUsd).toBeCloseTo(0.0001, 12);
  });

  it('charges a CPU call the CPU watts and records where each local call ran', async () => {
    let t = 0;
    const meter = new LedgerMeter({ ledgerPath: join(dir, 'devices.jsonl'), prices, localWatts: 360, cpuWatts: 90, clock: () => (t += 10_000) });
    const run = async () => ({ text: 'ok', usage: { prompt: 10, completion: 5, cached: 0, thinking: 0 }, latencyMs: 1, model: 'm' });
    await meter.track({ meta: { role: 'refinery' }, provider: 'openai-compatible', model: 'r1', local: true, device: 'cpu' }, run);
    await meter.track({ meta: { role: 'polecat' }, provider: 'openai-compatible', model: 'coder', local: true }, run);
    const { entries } = await readLedger(join(dir, 'devices.jsonl'));
    // Each span is 10 s of the clock: 90 W x 10 s = 0.25 Wh on the CPU; 360 W x 10 s = 1 Wh on the GPU.
    expect(entries.map((e) => [e.device, e.energyWh, e.energySource])).toEqual([['cpu', 0.25, 'configured'], ['gpu', 1, 'configured']]);
    // Each line names its meter, so a report can spot another process's calls overlapping these.
    expect(entries.map((e) => e.meter)).toEqual([meter.id, meter.id]);
    expect(meter.id).toMatch(new RegExp(`^${process.pid}-[0-9a-f]{6}$`));
  });
});
