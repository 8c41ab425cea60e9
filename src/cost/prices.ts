// The price table (config/prices.yml): per-million-token prices with date and source, electricity per kWh.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, parseYamlFile, validateFile } from '../config/load.js';
import type { Usage } from '../providers/types.js';

// js-yaml reads an unquoted 2026-11-25 as a Date; keep dates as plain YYYY-MM-DD strings either way.
const DateText = z.union([
  z.iso.date(),
  z.date().transform((d) => d.toISOString().slice(0, 10)),
]);

const Provenance = {
  date: DateText,
  source: z.string().min(1),
  /** True where the figure is our estimate, not a published price. */
  assumption: z.boolean().default(false),
  note: z.string().optional(),
};

const Rates = z.strictObject({
  input: z.number().nonnegative(),
  cachedInput: z.number().nonnegative(),
  output: z.number().nonnegative(),
});

export const ModelPrice = z.strictObject({
  provider: z.string().min(1),
  ...Rates.shape,
  /** Higher tier applied to the whole call when the prompt is longer than `aboveTokens`. */
  longContext: z.strictObject({ aboveTokens: z.int().positive(), ...Rates.shape }).optional(),
  ...Provenance,
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const PriceTable = z.strictObject({
  currency: z.literal('USD'),
  unit: z.literal('per million tokens'),
  models: z.record(z.string().min(1), ModelPrice),
  electricity: z.strictObject({ perKWh: z.number().nonnegative(), ...Provenance }),
});
export type PriceTable = z.infer<typeof PriceTable>;

export interface LoadedPrices {
  file: string;
  table: PriceTable;
}

/** config/prices.yml shipped with the package (two levels up from src/cost and from dist/cost). */
export function defaultPricesPath(): string {
  return fileURLToPath(new URL('../../config/prices.yml', import.meta.url));
}

export function loadPrices(file: string = defaultPricesPath()): LoadedPrices {
  return { file, table: validateFile(file, PriceTable, parseYamlFile(file)) };
}

/** The price of a model, or a ConfigError naming the file, the missing key and who needed it. */
export function modelPrice(prices: LoadedPrices, model: string, neededBy: string): ModelPrice {
  const price = prices.table.models[model];
  if (!price) {
    const known = Object.keys(prices.table.models).join(', ') || '(none)';
    throw new ConfigError(`${prices.file}: models.${model}: no price for model "${model}" (needed by ${neededBy}); priced models: ${known}`);
  }
  return price;
}

/**
 * Money for one call's tokens in USD. `usage.prompt` includes cached tokens, which are billed at the
 * cached rate; thinking tokens are billed as output (as Gemini does). A prompt over the long-context
 * threshold moves the whole call to the higher tier.
 */
export function tokenCost(price: ModelPrice, usage: Usage): number {
  const rates = price.longContext && usage.prompt > price.longContext.aboveTokens ? price.longContext : price;
  const cached = Math.min(usage.cached, usage.prompt);
  const fresh = usage.prompt - cached;
  return (fresh * rates.input + cached * rates.cachedInput + (usage.completion + usage.thinking) * rates.output) / 1_000_000;
}

export function electricityCost(prices: LoadedPrices, energyWh: number): number {
  return (energyWh / 1000) * prices.table.electricity.perKWh;
}
