// Pure aggregation of ledger entries into the hybrid-vs-all-cloud report, per role, per convoy and per caller.
import { ROLES } from '../beads/schema.js';
import type { CostConfig } from './config.js';
import { counterfactualModel } from './config.js';
import { allCloudSeconds, cloudSpeeds, type CloudSpeed } from './cloud-time.js';
import type { LedgerEntry, LedgerProblem } from './ledger-schema.js';
import { crossMeterOverlaps } from './overlap.js';
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
  /** The same calls all in the cloud; null when a cloud model's speed is unknown (see missingSpeeds). */
  allCloudSeconds: number | null;
  /** gpuWh + cpuWh. */
  energyWh: number;
  /** Energy of calls run on the GPU (older lines without a device were metered as GPU calls). */
  gpuWh: number;
  /** Energy of calls run on the CPU (configured watts unless a CPU sampler exists). */
  cpuWh: number;
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
  filters: { since: string | null; convoy: string | null; caller: string | null };
  /** Cloud model pricing each role's local calls in the counterfactual (roles with local calls only). */
  counterfactual: Record<string, string>;
  /** Speed of each counterfactual model, for the all-cloud time, and where it came from. */
  cloudSpeeds: Record<string, CloudSpeed>;
  /** Counterfactual models with no speed (no calls to measure, none configured): their all-cloud time is unknown. */
  missingSpeeds: string[];
  byRole: CostRow[];
  byConvoy: CostRow[];
  /** Who made the calls: our own engine, or another tool through the fleet endpoint (its key's name / X-Gth-Caller). */
  byCaller: CostRow[];
  total: CostRow;
  /** The price file read, and its electricity rate (ledger lines keep the rate of the day they were written). */
  prices: { file: string; electricityPerKWh: number };
  /** Corrupt ledger lines that were skipped. */
  skipped: LedgerProblem[];
  /** How the local calls' energy was found: sampled power, or configured watts x seconds. */
  energySources: { sampled: number; configured: number };
  /** Local calls that overlapped another process's calls on the same device: their energy is overstated. */
  overlappingOtherMeters: number;
  /** Calls the report covers (after --since, --convoy and --caller). */
  entries: number;
  /** Readable calls in the whole ledger, before the filters. */
  ledgerCalls: number;
}

export interface ReportOptions {
  ledger: string;
  since?: Date;
  convoy?: string;
  /** A caller: a key name or an X-Gth-Caller name (`aider` covers `aider`, `aider/editor` and `default/aider`). */
  caller?: string;
  cost: CostConfig;
  prices: LoadedPrices;
}

export const NO_CONVOY = '(no convoy)';
/** The caller of lines with none: our own engine, which meters its calls itself (with bead and convoy). */
export const OWN_CALLER = 'gastown-hybrid';

export const callerOf = (e: LedgerEntry): string => e.caller ?? OWN_CALLER;

/**
 * `--caller aider` selects every call that names aider, as the key's name or as the X-Gth-Caller header (`aider`,
 * `aider/editor`, `default/aider`); a name with a slash (`default/aider`) selects that caller and its sub-names.
 */
export function callerMatches(e: LedgerEntry, wanted: string): boolean {
  const c = callerOf(e);
  if (c === wanted || c.startsWith(`${wanted}/`)) return true;
  return !wanted.includes('/') && c.split('/').includes(wanted);
}

function emptyRow(key: string): CostRow {
  return { key, calls: 0, localCalls: 0, failedCalls: 0, tokensIn: 0, tokensOut: 0, seconds: 0, allCloudSeconds: 0, energyWh: 0, gpuWh: 0, cpuWh: 0, cloudUsd: 0, electricityUsd: 0, hybridUsd: 0, allCloudUsd: 0, savedUsd: 0 };
}

/** What one entry would have cost all-cloud: a cloud call costs what it cost; a local one is re-priced. */
export function counterfactualUsd(e: LedgerEntry, opts: Pick<ReportOptions, 'cost' | 'prices'>): number {
  if (!e.local) return e.money.cloudUsd;
  const { model, setting } = counterfactualModel(opts.cost, e.role);
  const price = modelPrice(opts.prices, model, setting);
  // Cached prompt tokens stay cached: the cloud's implicit prefix caching would hit the same prefixes.
  return tokenCost(price, { prompt: e.tokens.in, cached: e.tokens.cached, completion: e.tokens.out, thinking: e.tokens.thinking });
}

/** Where a call ran: lines written before the device was recorded were metered as GPU calls. */
export function deviceOf(e: LedgerEntry): 'gpu' | 'cpu' | 'cloud' {
  return e.local ? (e.device ?? 'gpu') : 'cloud';
}

function add(row: CostRow, e: LedgerEntry, allCloud: number, cloudSeconds: number | null): void {
  row.calls += 1;
  row.localCalls += e.local ? 1 : 0;
  row.failedCalls += e.error !== undefined ? 1 : 0;
  row.tokensIn += e.tokens.in;
  row.tokensOut += e.tokens.out + e.tokens.thinking;
  row.seconds += e.seconds;
  row.allCloudSeconds = row.allCloudSeconds === null || cloudSeconds === null ? null : row.allCloudSeconds + cloudSeconds;
  row.energyWh += e.energyWh;
  if (deviceOf(e) === 'cpu') row.cpuWh += e.energyWh;
  else row.gpuWh += e.energyWh;
  row.cloudUsd += e.money.cloudUsd;
  row.electricityUsd += e.money.electricityUsd;
  row.hybridUsd += e.money.cloudUsd + e.money.electricityUsd;
  row.allCloudUsd += allCloud;
  row.savedUsd = row.allCloudUsd - row.hybridUsd;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Sums of floats carry noise (0.043000000000000003); rounded past what the ledger itself records. */
function rounded(r: CostRow): CostRow {
  return {
    ...r,
    seconds: round(r.seconds, 3),
    allCloudSeconds: r.allCloudSeconds === null ? null : round(r.allCloudSeconds, 3),
    energyWh: round(r.energyWh, 6),
    gpuWh: round(r.gpuWh, 6),
    cpuWh: round(r.cpuWh, 6),
    cloudUsd: round(r.cloudUsd, 8),
    electricityUsd: round(r.electricityUsd, 8),
    hybridUsd: round(r.hybridUsd, 8),
    allCloudUsd: round(r.allCloudUsd, 8),
    savedUsd: round(r.savedUsd, 8),
  };
}

export function buildReport(entries: LedgerEntry[], skipped: LedgerProblem[], opts: ReportOptions): CostReport {
  const since = opts.since?.getTime();
  const chosen = entries.filter((e) => (since === undefined || Date.parse(e.time) >= since) && (opts.convoy === undefined || e.convoy === opts.convoy)
    && (opts.caller === undefined || callerMatches(e, opts.caller)));
  const roles = new Map<string, CostRow>();
  const convoys = new Map<string, CostRow>();
  const callers = new Map<string, CostRow>();
  const total = emptyRow('total');
  const models = chosen.filter((e) => e.local).map((e) => counterfactualModel(opts.cost, e.role).model);
  const speeds = cloudSpeeds(entries, models, opts.cost);
  for (const e of chosen) {
    const allCloud = counterfactualUsd(e, opts);
    const cloudSeconds = allCloudSeconds(e, e.local ? speeds.get(counterfactualModel(opts.cost, e.role).model) : undefined);
    const convoyKey = e.convoy ?? NO_CONVOY;
    if (!roles.has(e.role)) roles.set(e.role, emptyRow(e.role));
    if (!convoys.has(convoyKey)) convoys.set(convoyKey, emptyRow(convoyKey));
    const callerKey = callerOf(e);
    if (!callers.has(callerKey)) callers.set(callerKey, emptyRow(callerKey));
    add(roles.get(e.role)!, e, allCloud, cloudSeconds);
    add(convoys.get(convoyKey)!, e, allCloud, cloudSeconds);
    add(callers.get(callerKey)!, e, allCloud, cloudSeconds);
    add(total, e, allCloud, cloudSeconds);
  }
  const roleOrder = (k: string): number => (ROLES as readonly string[]).indexOf(k);
  return {
    ledger: opts.ledger,
    filters: { since: opts.since ? opts.since.toISOString() : null, convoy: opts.convoy ?? null, caller: opts.caller ?? null },
    counterfactual: Object.fromEntries(
      ROLES.filter((r) => chosen.some((e) => e.local && e.role === r)).map((r) => [r, counterfactualModel(opts.cost, r).model]),
    ),
    cloudSpeeds: Object.fromEntries(speeds),
    missingSpeeds: [...new Set(models)].filter((m) => !speeds.has(m)).sort(),
    byRole: [...roles.values()].map(rounded).sort((a, b) => roleOrder(a.key) - roleOrder(b.key)),
    byConvoy: [...convoys.values()].map(rounded).sort((a, b) => (a.key === NO_CONVOY ? 1 : b.key === NO_CONVOY ? -1 : a.key.localeCompare(b.key))),
    // Our own engine first, then the other tools by name.
    byCaller: [...callers.values()].map(rounded).sort((a, b) => (a.key === OWN_CALLER ? -1 : b.key === OWN_CALLER ? 1 : a.key.localeCompare(b.key))),
    total: rounded(total),
    prices: { file: opts.prices.file, electricityPerKWh: opts.prices.table.electricity.perKWh },
    skipped,
    energySources: {
      sampled: chosen.filter((e) => e.local && e.energySource === 'sampled').length,
      configured: chosen.filter((e) => e.local && e.energySource === 'configured').length,
    },
    overlappingOtherMeters: crossMeterOverlaps(chosen).size,
    entries: chosen.length,
    ledgerCalls: entries.length,
  };
}
