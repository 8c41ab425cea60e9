// `gth cost report` as a real child process: JSON, table, filters, corrupt lines, bad input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostReport } from '../../../src/cost/report.js';
import { gth } from '../../support/cli.js';
import { ENTRIES, TEST_PRICES } from '../../unit/cost/ledger-fixture.js';

let town: string;
let ledger: string;
let ledgerText: string;

beforeAll(() => {
  town = mkdtempSync(join(tmpdir(), 'gth-cost-cli-'));
  writeFileSync(join(town, 'gastown.yml'), [
    'cost:',
    `  prices: ${TEST_PRICES}`,
    '  counterfactual:',
    '    default: cloud-flash',
    '    roles: { refinery: cloud-pro }',
  ].join('\n'));
  mkdirSync(join(town, '.gastown-state'));
  ledger = join(town, '.gastown-state', 'ledger.jsonl');
  const lines = ENTRIES.map((e) => JSON.stringify(e));
  // line 3 is cut short, as a crash mid-write would leave it
  ledgerText = [lines[0], lines[1], '{"v":1,"time":"2026-01-29T10:0', lines[2], lines[3], ''].join('\n');
  writeFileSync(ledger, ledgerText);
});
afterAll(() => rmSync(town, { recursive: true, force: true }));

describe('gth cost report', () => {
  it('prints the report as JSON from the default ledger, reporting and skipping the corrupt line', async () => {
    const r = await gth(['cost', 'report', '--json'], { cwd: town });
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(String(r.stdout)) as CostReport;
    expect(report.ledger).toBe(ledger);
    expect(report.entries).toBe(4);
    expect(report.total.hybridUsd).toBeCloseTo(0.0706, 12);
    expect(report.total.allCloudUsd).toBeCloseTo(0.12175, 12);
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]!.line).toBe(3);
    expect(String(r.stderr)).toContain(`${ledger}:3: skipped corrupt ledger line`);
    expect(readFileSync(ledger, 'utf8')).toBe(ledgerText);
  });

  it('filters with --since and --convoy and prints a table', async () => {
    const r = await gth(['cost', 'report', '--since', '2026-01-29', '--convoy', 'cv-a'], { cwd: town });
    expect(r.exitCode).toBe(0);
    const out = String(r.stdout);
    expect(out).toMatch(/since 2026-01-29T00:00:00\.000Z, convoy cv-a\): 2 calls/);
    expect(out).toMatch(/^mayor\s+1\s+0\s+10000\s+4000\s+20\.0s/m);
    expect(out).toMatch(/^cv-a\s+2\s+1\s+16000/m);
    expect(out).not.toMatch(/^cv-b/m);
  });

  it('filters with --caller (the tools that used the fleet endpoint) and refuses an empty one', async () => {
    const [r, empty] = await Promise.all([
      gth(['cost', 'report', '--caller', 'aider', '--json'], { cwd: town }),
      gth(['cost', 'report', '--caller', ' '], { cwd: town }),
    ]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(String(r.stdout)) as { entries: number; byCaller: { key: string; calls: number }[] };
    expect([report.entries, report.byCaller]).toMatchObject([1, [{ key: 'aider/editor', calls: 1 }]]);
    expect(empty.exitCode).toBe(2);
    expect(String(empty.stderr)).toContain('--caller: expected a caller name');
  });

  it('reads $GTH_LEDGER and --ledger', async () => {
    const other = join(town, 'other.jsonl');
    writeFileSync(other, `${JSON.stringify(ENTRIES[2])}\n`);
    const [viaEnv, viaFlag] = await Promise.all([
      gth(['cost', 'report', '--json'], { cwd: town, env: { GTH_LEDGER: other } }),
      gth(['cost', 'report', '--json', '--ledger', 'other.jsonl'], { cwd: town }),
    ]);
    expect((JSON.parse(String(viaEnv.stdout)) as CostReport).total.allCloudUsd).toBeCloseTo(0.048, 12);
    expect((JSON.parse(String(viaFlag.stdout)) as CostReport).entries).toBe(1);
  });

  it('exits 1 naming the path when --ledger or $GTH_LEDGER points nowhere; an empty ledger says no calls were recorded', async () => {
    const empty = join(town, 'empty.jsonl');
    writeFileSync(empty, '');
    const [typo, envTypo, noDefault, none] = await Promise.all([
      gth(['cost', 'report', '--ledger', '/typo'], { cwd: town }),
      gth(['cost', 'report', '--json'], { cwd: town, env: { GTH_LEDGER: join(town, 'nope.jsonl') } }),
      gth(['cost', 'report'], { cwd: join(town, '.gastown-state') }),
      gth(['cost', 'report', '--ledger', 'empty.jsonl'], { cwd: town }),
    ]);
    expect(typo.exitCode).toBe(1);
    expect(String(typo.stderr)).toMatch(/--ledger: no ledger file at \/typo \(expected a JSONL cost ledger/);
    expect(String(typo.stdout)).toBe('');
    expect(envTypo.exitCode).toBe(1);
    expect(String(envTypo.stderr)).toContain(`$GTH_LEDGER: no ledger file at ${join(town, 'nope.jsonl')}`);
    expect(noDefault.exitCode).toBe(1);
    expect(String(noDefault.stderr)).toMatch(/no ledger at .*\.gastown-state\/\.gastown-state\/ledger\.jsonl: no model calls recorded in this town yet/);
    expect(none.exitCode).toBe(0);
    expect(String(none.stdout)).toContain(`no model calls recorded in ${empty}`);
    expect(String(none.stdout)).not.toMatch(/^total/m);
  });

  it('exits 2 on a bad --since and 1 with the setting named when a price or config value is bad', async () => {
    const noPrice = mkdtempSync(join(tmpdir(), 'gth-cost-cli-noprice-'));
    const badCfg = mkdtempSync(join(tmpdir(), 'gth-cost-cli-badcfg-'));
    try {
      writeFileSync(join(noPrice, 'gastown.yml'), `cost:\n  prices: ${TEST_PRICES}\n  counterfactual: { default: gemini-9-ultra }\n`);
      writeFileSync(join(badCfg, 'gastown.yml'), 'cost:\n  localWatts: -5\n  bogus: 1\n');
      for (const d of [noPrice, badCfg]) writeFileSync(join(d, 'l.jsonl'), `${JSON.stringify(ENTRIES[1])}\n`);
      const [bad, r, c] = await Promise.all([
        gth(['cost', 'report', '--since', 'last tuesday'], { cwd: town }),
        gth(['cost', 'report', '--ledger', 'l.jsonl'], { cwd: noPrice }),
        gth(['cost', 'report', '--ledger', 'l.jsonl'], { cwd: badCfg }),
      ]);
      expect(bad.exitCode).toBe(2);
      expect(String(bad.stderr)).toMatch(/--since: expected a date/);
      expect(r.exitCode).toBe(1);
      expect(String(r.stderr)).toMatch(/prices-test\.yml: models\.gemini-9-ultra: no price for model "gemini-9-ultra" \(needed by cost\.counterfactual\.default\)/);
      expect(c.exitCode).toBe(1);
      expect(String(c.stderr)).toMatch(/gastown\.yml: cost\.localWatts:/);
      expect(String(c.stderr)).toMatch(/bogus/);
    } finally {
      rmSync(noPrice, { recursive: true, force: true });
      rmSync(badCfg, { recursive: true, force: true });
    }
  });
});
