import { describe, expect, it } from 'vitest';
import { CostConfig } from '../../../src/cost/config.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { buildReport, NO_CONVOY, OWN_CALLER, type CostRow } from '../../../src/cost/report.js';
import { formatReport } from '../../../src/cost/report-text.js';
import type { LedgerEntry } from '../../../src/cost/ledger-schema.js';
import { crossMeterOverlaps } from '../../../src/cost/overlap.js';
import { ENTRIES, TEST_COST_CONFIG, TEST_PRICES } from './ledger-fixture.js';

const prices = loadPrices(TEST_PRICES);
const cost = CostConfig.parse(TEST_COST_CONFIG);
const row = (rows: CostRow[], key: string): CostRow => {
  const r = rows.find((x) => x.key === key);
  if (!r) throw new Error(`no row ${key}`);
  return r;
};

describe('buildReport arithmetic (figures computed by hand in ledger-fixture.ts)', () => {
  const report = buildReport(ENTRIES, [], { ledger: 'l.jsonl', cost, prices });

  it('totals hybrid cost, all-cloud counterfactual, time, energy and tokens', () => {
    const t = report.total;
    expect(t.calls).toBe(4);
    expect(t.localCalls).toBe(3);
    expect(t.hybridUsd).toBeCloseTo(0.0644 + 0.001 + 0.005 + 0.0002, 12); // 0.0706
    expect(t.allCloudUsd).toBeCloseTo(0.0644 + 0.00855 + 0.048 + 0.0008, 12); // 0.12175
    expect(t.savedUsd).toBeCloseTo(0.12175 - 0.0706, 12);
    expect(t.cloudUsd).toBeCloseTo(0.0644, 12);
    expect(t.electricityUsd).toBeCloseTo(0.0062, 12);
    expect(t.seconds).toBe(390);
    expect(t.allCloudSeconds).toBeCloseTo(20 + 20 + 10 + 1, 12);
    expect(t.energyWh).toBe(31);
    expect(t.gpuWh).toBe(6);
    expect(t.cpuWh).toBe(25);
    expect(t.tokensIn).toBe(29_000);
    expect(t.tokensOut).toBe(1_000 + 3_000 + 2_000 + 500 + 1_500 + 100);
  });

  it('splits per role in role order', () => {
    expect(report.byRole.map((r) => r.key)).toEqual(['mayor', 'refinery', 'polecat']);
    expect(row(report.byRole, 'mayor')).toMatchObject({ calls: 1, localCalls: 0 });
    expect(row(report.byRole, 'mayor').allCloudUsd).toBeCloseTo(0.0644, 12);
    expect(row(report.byRole, 'polecat').hybridUsd).toBeCloseTo(0.0012, 12);
    expect(row(report.byRole, 'polecat').allCloudUsd).toBeCloseTo(0.00935, 12);
    expect(row(report.byRole, 'polecat').seconds).toBe(70);
    expect(row(report.byRole, 'refinery').hybridUsd).toBeCloseTo(0.005, 12);
    expect(row(report.byRole, 'refinery').allCloudUsd).toBeCloseTo(0.048, 12);
    expect(report.counterfactual).toEqual({ refinery: 'cloud-pro', polecat: 'cloud-flash' });
  });

  it('keeps the CPU-run Refinery out of GPU energy, and counts older lines without a device as GPU', () => {
    expect(row(report.byRole, 'refinery')).toMatchObject({ gpuWh: 0, cpuWh: 25, energyWh: 25 });
    expect(row(report.byRole, 'polecat')).toMatchObject({ gpuWh: 6, cpuWh: 0 });
    expect(row(report.byRole, 'mayor')).toMatchObject({ gpuWh: 0, cpuWh: 0 });
    expect(report.energySources).toEqual({ sampled: 1, configured: 2 });
  });

  it('gives the all-cloud time per role from measured (else configured) cloud speeds', () => {
    expect(row(report.byRole, 'mayor').allCloudSeconds).toBe(20); // a cloud call takes what it took
    expect(row(report.byRole, 'refinery').allCloudSeconds).toBeCloseTo(10, 12); // 2000 tokens at cloud-pro's measured 200/s
    expect(row(report.byRole, 'polecat').allCloudSeconds).toBeCloseTo(21, 12); // 2100 tokens at the configured 100/s
    expect(report.cloudSpeeds).toEqual({
      'cloud-pro': { model: 'cloud-pro', tokensPerSecond: 200, source: 'measured', calls: 1 },
      'cloud-flash': { model: 'cloud-flash', tokensPerSecond: 100, source: 'configured', calls: 0 },
    });
    expect(report.missingSpeeds).toEqual([]);
  });

  it('says the all-cloud time is unknown, naming the setting, when a cloud model has no speed', () => {
    const r = buildReport(ENTRIES, [], { ledger: 'l', cost: CostConfig.parse({ counterfactual: TEST_COST_CONFIG.counterfactual }), prices });
    expect(row(r.byRole, 'polecat').allCloudSeconds).toBeNull();
    expect(r.total.allCloudSeconds).toBeNull();
    expect(row(r.byRole, 'refinery').allCloudSeconds).toBeCloseTo(10, 12);
    expect(r.missingSpeeds).toEqual(['cloud-flash']);
    expect(formatReport(r)).toMatch(/all-cloud time unknown for calls priced at cloud-flash: .*set cost\.cloudTokensPerSecond\.cloud-flash/);
    expect(formatReport(r)).toMatch(/^polecat(\s+\S+){4}\s+1m10s\s+unknown\s/m);
  });

  it('splits per convoy, with calls outside any convoy last', () => {
    expect(report.byConvoy.map((r) => r.key)).toEqual(['cv-a', 'cv-b', NO_CONVOY]);
    expect(row(report.byConvoy, 'cv-a').hybridUsd).toBeCloseTo(0.0654, 12);
    expect(row(report.byConvoy, 'cv-a').allCloudUsd).toBeCloseTo(0.07295, 12);
    expect(row(report.byConvoy, 'cv-a').energyWh).toBe(5);
    expect(row(report.byConvoy, NO_CONVOY).allCloudUsd).toBeCloseTo(0.0008, 12);
  });

  it('splits per caller: our own engine first, then the tools that used the fleet endpoint', () => {
    expect(report.byCaller.map((r) => [r.key, r.calls])).toEqual([[OWN_CALLER, 3], ['aider/editor', 1]]);
    expect(row(report.byCaller, 'aider/editor').hybridUsd).toBeCloseTo(0.0002, 12);
    expect(row(report.byCaller, 'aider/editor').allCloudUsd).toBeCloseTo(0.0008, 12);
    expect(formatReport(report)).toMatch(/^aider\/editor(\s+\S+){10}\s+\$0\.0002\s+\$0\.0008\s/m);
  });

  it('filters by --caller: a key or header name covers the calls that name it, not another name that starts alike', () => {
    const aider = buildReport(ENTRIES, [], { ledger: 'l', cost, prices, caller: 'aider' });
    expect([aider.entries, aider.filters.caller, aider.total.hybridUsd]).toEqual([1, 'aider', 0.0002]);
    expect(formatReport(aider)).toContain('(caller aider)');
    expect(buildReport(ENTRIES, [], { ledger: 'l', cost, prices, caller: 'aider/editor' }).entries).toBe(1);
    expect(buildReport(ENTRIES, [], { ledger: 'l', cost, prices, caller: 'aid' }).entries).toBe(0);
    // A header name under a key's name (default/aider) is found by either name, or by both.
    const keyed = ENTRIES.map((e) => (e.caller ? { ...e, caller: 'default/aider' } : e));
    for (const name of ['aider', 'default', 'default/aider']) expect(buildReport(keyed, [], { ledger: 'l', cost, prices, caller: name }).entries, name).toBe(1);
    expect(buildReport(keyed, [], { ledger: 'l', cost, prices, caller: 'aider/default' }).entries).toBe(0);
    expect(buildReport(ENTRIES, [], { ledger: 'l', cost, prices, caller: OWN_CALLER }).byRole.map((r) => r.key)).toEqual(['mayor', 'refinery', 'polecat']);
  });

  it('filters by --since and --convoy', () => {
    const r = buildReport(ENTRIES, [], { ledger: 'l', cost, prices, since: new Date('2026-01-29T00:00:00Z'), convoy: 'cv-a' });
    expect(r.entries).toBe(2);
    expect(r.total.hybridUsd).toBeCloseTo(0.0654, 12);
    expect(r.byConvoy.map((x) => x.key)).toEqual(['cv-a']);
    expect(r.filters).toEqual({ since: '2026-01-29T00:00:00.000Z', convoy: 'cv-a', caller: null });
    const s = buildReport(ENTRIES, [], { ledger: 'l', cost, prices, since: new Date('2026-01-29T10:30:00Z') });
    expect(s.entries).toBe(1);
    expect(s.total.allCloudUsd).toBeCloseTo(0.048, 12);
  });

  it('re-prices local calls when the counterfactual model changes', () => {
    const r = buildReport(ENTRIES, [], { ledger: 'l', cost: CostConfig.parse({ counterfactual: { default: 'cloud-flash', roles: { polecat: 'cloud-pro', refinery: 'cloud-pro' } } }), prices });
    // entry 2 at cloud-pro: (5000 x 2 + 1000 x 0.2 + 2000 x 12) / 1e6 = 0.0342; entry 4: (1000 x 2 + 100 x 12) / 1e6 = 0.0032
    expect(row(r.byRole, 'polecat').allCloudUsd).toBeCloseTo(0.0342 + 0.0032, 12);
  });

  it('names the setting and price file when a counterfactual model has no price', () => {
    const bad = CostConfig.parse({ counterfactual: { default: 'gpt-9', roles: {} } });
    expect(() => buildReport(ENTRIES, [], { ledger: 'l', cost: bad, prices })).toThrow(/prices-test\.yml: models\.gpt-9: no price for model "gpt-9" \(needed by cost\.counterfactual\.default\)/);
  });

  it('renders a terminal table with the money and the skipped lines', () => {
    const text = formatReport(buildReport(ENTRIES, [{ line: 7, message: 'not JSON' }], { ledger: 'l.jsonl', cost, prices }));
    expect(text).toMatch(/^role\s+calls/m);
    // refinery: 5 min locally, 10 s all-cloud, 0 GPU Wh, 25 CPU Wh
    expect(text).toMatch(/^refinery\s+1\s+1\s+12000\s+2000\s+5m00s\s+10\.0s\s+0\.00\s+25\.00\s+\$0\.00\s+\$0\.0050\s+\$0\.0050\s+\$0\.0480\s+\$0\.0430/m);
    expect(text).toMatch(/^total\s+4\s+3\s+29000/m);
    expect(text).toContain('skipped 1 corrupt ledger line(s): line 7 (not JSON)');
    expect(text).toContain('all-cloud time: cloud-pro at 200.0 output tokens/s (measured over 1 call(s) in this ledger)');
    expect(text).toContain('local energy: 1 call(s) from sampled power, 2 at configured watts');
    expect(text).toMatch(/^hybrid = what was paid: cloud tokens \+ electricity of local calls; all-cloud = /m);
    expect(text).toMatch(/^time = the calls' durations added up \(calls running at once each count/m);
    expect(text).toMatch(/^electricity: priced in each ledger line when the call ran \(now \$0\.2\/kWh in .*prices-test\.yml\)$/m);
  });

  it('rounds the sums past the ledger\'s own precision, so JSON shows 0.043 and not 0.043000000000000003', () => {
    expect(row(report.byRole, 'refinery').savedUsd).toBe(0.043);
    expect(report.total.electricityUsd).toBe(0.0062);
    expect(report.total.savedUsd).toBe(0.05115);
  });

  it('warns when local calls on one device overlapped calls another process metered', () => {
    const at = (time: string, seconds: number, meter: string, device: 'gpu' | 'cpu' = 'gpu'): LedgerEntry =>
      ({ ...ENTRIES[1]!, time, seconds, meter, device });
    // a (meter p1) 10:00:00-10:01:00 overlaps b (p2) from 10:00:30; c is p1's own, so already split; d is on the CPU.
    const overlapping = [at('2026-01-29T10:00:00.000Z', 60, 'p1'), at('2026-01-29T10:00:30.000Z', 60, 'p2'), at('2026-01-29T10:00:40.000Z', 5, 'p2'), at('2026-01-29T10:00:10.000Z', 60, 'p3', 'cpu')];
    expect(crossMeterOverlaps(overlapping)).toEqual(new Set([0, 1, 2]));
    const r = buildReport(overlapping, [], { ledger: 'l', cost, prices });
    expect(r.overlappingOtherMeters).toBe(3);
    expect(formatReport(r)).toContain('warning: 3 local call(s) ran at the same time as calls metered by another process on the same device');
    // One process, or calls that follow each other: nothing to warn about.
    expect(crossMeterOverlaps([at('2026-01-29T10:00:00.000Z', 60, 'p1'), at('2026-01-29T10:00:30.000Z', 60, 'p1'), at('2026-01-29T10:01:30.000Z', 5, 'p2')]).size).toBe(0);
    expect(formatReport(report)).not.toContain('warning:');
  });

  it('says "no model calls recorded" for an empty ledger, and what the filters missed otherwise', () => {
    const empty = formatReport(buildReport([], [], { ledger: 'l.jsonl', cost, prices }));
    expect(empty).toContain('no model calls recorded in l.jsonl');
    expect(empty).not.toMatch(/^total/m);
    const none = formatReport(buildReport(ENTRIES, [], { ledger: 'l.jsonl', cost, prices, convoy: 'cv-zz' }));
    expect(none).toContain('no model calls match convoy cv-zz; the ledger holds 4 call(s)');
  });
});
