// Pure aggregation of ledger entries into the hybrid-vs-all-cloud report, per role and per convoy.
import { ROLES } from '../beads/schema.js';
import type { CostConfig } from './config.js';
import { counterfactualModel } from './config.js';
import type { LedgerEntry, LedgerProblem } from './ledger-schema.js';
import { modelPrice, tokenCost, type LoadedPrices } from './prices.js';

export interface CostRow {
  key: string;
  calls: number;
  localCalls: number;
  /** Calls that failed; their time and energy are included, they had no tokens. */
  failedCalls: number;
  tokensIn: number;
  /** Visible output plus thinking tokens. */
  tokensOut: number;
  seconds: number;
  energyWh: number;
  cloudUsd: number;
  electricityUsd: number;
  /** What the hybrid actually cost: cloud money plus electricity. */
  hybridUsd: number;
  /** The same calls all in the cloud: local calls priced at their counterfactual model. */
  allCloudUsd: number;
  /** allCloudUsd - hybridUsd (negative when the hybrid cost more). */
  savedUsd: number;
}

export interface CostReport {
  ledger: string;
  filters: { since: string | null; convoy: string | null };
  /** Cloud model pricing each role's local calls in the counterfactual (roles with local calls only). */
  counterfactual: Record<string, string>;
  byRole: CostRow[];
  byConvoy: CostRow[];
  total: CostRow;
  /** Corrupt ledger lines that were skipped. */
  skipped: LedgerProblem[];
  entries: number;
}

export interface ReportOptions {
  ledger: string;
  since?: Date;
  convoy?: string;
  cost: CostConfig;
  prices: LoadedPrices;
}

export const NO_CONVOY = '(no convoy)';

function emptyRow(key: string): CostRow {
  return { key, calls: 0, localCalls: 0, failedCalls: 0, tokensIn: 0, tokensOut: 0, seconds: 0, energyWh: 0, cloudUsd: 0, electricityUsd: 0, hybridUsd: 0, allCloudUsd: 0, savedUsd: 0 };
}

/** What one entry would have cost all-cloud: a cloud call costs what it cost; a local one is re-priced. */
export function counterfactualUsd(e: LedgerEntry, opts: Pick<ReportOptions, 'cost' | 'prices'>): number {
  if (!e.local) return e.money.cloudUsd;
  const { model, setting } = counterfactualModel(opts.cost, e.role);
  const price = modelPrice(opts.prices, model, setting);
  // Cached prompt tokens stay cached: the cloud's implicit prefix caching would hit the same prefixes.
  return tokenCost(price, { prompt: e.tokens.in, cached: e.tokens.cached, completion: e.tokens.out, thinking: e.tokens.thinking });
}

function add(row: CostRow, e: LedgerEntry, allCloud: number): void {
  row.calls += 1;
  row.localCalls += e.local ? 1 : 0;
  row.failedCalls += e.error !== undefined ? 1 : 0;
  row.tokensIn += e.tokens.in;
  row.tokensOut += e.tokens.out + e.tokens.thinking;
  row.seconds += e.seconds;
  row.energyWh += e.energyWh;
  row.cloudUsd += e.money.cloudUsd;
  row.electricityUsd += e.money.electricityUsd;
  row.hybridUsd += e.money.cloudUsd + e.money.electricityUsd;
  row.allCloudUsd += allCloud;
  row.savedUsd = row.allCloudUsd - row.hybridUsd;
}

export function buildReport(entries: LedgerEntry[], skipped: LedgerProblem[], opts: ReportOptions): CostReport {
  const since = opts.since?.getTime();
  const chosen = entries.filter((e) => (since === undefined || Date.parse(e.time) >= since) && (opts.convoy === undefined || e.convoy === opts.convoy));
  const roles = new Map<string, CostRow>();
  const convoys = new Map<string, CostRow>();
  const total = emptyRow('total');
  for (const e of chosen) {
    const allCloud = counterfactualUsd(e, opts);
    const convoyKey = e.convoy ?? NO_CONVOY;
    if (!roles.has(e.role)) roles.set(e.role, emptyRow(e.role));
    if (!convoys.has(convoyKey)) convoys.set(convoyKey, emptyRow(convoyKey));
    add(roles.get(e.role)!, e, allCloud);
    add(convoys.get(convoyKey)!, e, allCloud);
    add(total, e, allCloud);
  }
  const roleOrder = (k: string): number => (ROLES as readonly string[]).indexOf(k);
  return {
    ledger: opts.ledger,
    filters: { since: opts.since ? opts.since.toISOString() : null, convoy: opts.convoy ?? null },
    counterfactual: Object.fromEntries(
      ROLES.filter((r) => chosen.some((e) => e.local && e.role === r)).map((r) => [r, counterfactualModel(opts.cost, r).model]),
    ),
    byRole: [...roles.values()].sort((a, b) => roleOrder(a.key) - roleOrder(b.key)),
    byConvoy: [...convoys.values()].sort((a, b) => (a.key === NO_CONVOY ? 1 : b.key === NO_CONVOY ? -1 : a.key.localeCompare(b.key))),
    total,
    skipped,
    entries: chosen.length,
  };
}
