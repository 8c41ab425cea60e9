import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/load.js';
import { electricityCost, loadPrices, modelPrice, tokenCost, type ModelPrice } from '../../../src/cost/prices.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-prices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pro: ModelPrice = {
  provider: 'gemini', input: 2, cachedInput: 0.2, output: 12,
  longContext: { aboveTokens: 200_000, input: 4, cachedInput: 0.4, output: 18 },
  date: '2026-02-04', source: 'test', assumption: false,
};

describe('shipped price table', () => {
  const prices = loadPrices();
  it('has the default Mayor and Crew models, each with a date and a source', () => {
    expect(Object.keys(prices.table.models)).toEqual(expect.arrayContaining(['gemini-3-pro-preview', 'gemini-3-flash-preview']));
    for (const [name, p] of Object.entries(prices.table.models)) {
      expect(p.date, name).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.source.length, name).toBeGreaterThan(10);
    }
    expect(prices.table.models['gemini-3-pro-preview']!.longContext?.aboveTokens).toBe(200_000);
    expect(prices.table.electricity.perKWh).toBeGreaterThan(0);
    expect(prices.table.electricity.assumption).toBe(true);
  });
});

describe('tokenCost', () => {
  it('bills fresh input, cached input and output + thinking at the short tier', () => {
    // 10k prompt of which 4k cached, 1k answer, 3k thinking:
    // 6000 x 2 + 4000 x 0.2 + 4000 x 12 = 12000 + 800 + 48000 = 60800 per million
    expect(tokenCost(pro, { prompt: 10_000, cached: 4_000, completion: 1_000, thinking: 3_000 })).toBeCloseTo(0.0608, 12);
  });
  it('moves the whole call to the higher tier above 200k prompt tokens', () => {
    // 250k prompt, 2k out: 250000 x 4 + 2000 x 18 = 1,036,000 per million
    expect(tokenCost(pro, { prompt: 250_000, cached: 0, completion: 2_000, thinking: 0 })).toBeCloseTo(1.036, 12);
    // exactly 200k stays at the short tier: 200000 x 2 = 400,000 per million
    expect(tokenCost(pro, { prompt: 200_000, cached: 0, completion: 0, thinking: 0 })).toBeCloseTo(0.4, 12);
  });
  it('prices electricity per kWh', () => {
    const prices = loadPrices();
    expect(electricityCost(prices, 500)).toBeCloseTo(0.5 * prices.table.electricity.perKWh, 12);
  });
});

describe('bad price tables', () => {
  it('names the file, the missing model and who needed it', () => {
    const prices = loadPrices();
    expect(() => modelPrice(prices, 'gpt-9', 'cost.counterfactual.default')).toThrow(ConfigError);
    expect(() => modelPrice(prices, 'gpt-9', 'cost.counterfactual.default')).toThrow(/prices\.yml: models\.gpt-9: no price for model "gpt-9" \(needed by cost\.counterfactual\.default\)/);
  });
  it('lists every invalid field with its path at once', () => {
    const f = join(dir, 'bad.yml');
    writeFileSync(f, [
      'currency: USD', "unit: per million tokens",
      'models:', '  m1:', '    provider: x', '    input: -1', '    cachedInput: 0', '    output: 1', "    date: '2026-01-01'",
      'electricity:', '  perKWh: 0.2', "  date: '2026-01-01'",
    ].join('\n'));
    const err = (() => { try { loadPrices(f); } catch (e) { return e as Error; } return undefined; })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain(`${f}: models.m1.input:`);
    expect(err!.message).toContain(`${f}: models.m1.source:`);
    expect(err!.message).toContain(`${f}: electricity.source:`);
  });
  it('names the file when it is not YAML', () => {
    const f = join(dir, 'broken.yml');
    writeFileSync(f, 'models: [unclosed');
    expect(() => loadPrices(f)).toThrow(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid YAML`));
  });
});
