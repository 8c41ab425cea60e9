// Loads config, prices and ledger, builds the report, and writes the HTML page atomically.
import { writeFileAtomic } from '../util/atomic-write.js';
import { resolve } from 'node:path';
import { loadRawConfig } from '../config/load.js';
import { loadCostConfig, pricesPathFor } from './config.js';
import { readLedger, resolveLedgerPath, type LedgerRead } from './ledger.js';
import { loadPrices } from './prices.js';
import { buildReport, type CostReport } from './report.js';
import { loadChartJs, renderReportHtml } from './report-html.js';
import { GthError } from '../util/errors.js';

export interface CostReportInput {
  since?: Date;
  convoy?: string;
  caller?: string;
  ledger?: string;
  prices?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export async function costReport(input: CostReportInput): Promise<{ report: CostReport; read: LedgerRead }> {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const raw = loadRawConfig(undefined, env, cwd);
  const cost = loadCostConfig(raw);
  const prices = loadPrices(input.prices ? resolve(cwd, input.prices) : pricesPathFor(cost, raw, cwd));
  const ledger = input.ledger ? resolve(cwd, input.ledger) : resolveLedgerPath(env, cwd);
  const read = await readLedger(ledger);
  // A missing ledger is a wrong path far more often than a town with no calls: an all-zero report would hide it.
  if (!read.exists) throw new GthError(missingLedgerMessage(ledger, input.ledger !== undefined ? 'flag' : env.GTH_LEDGER ? 'env' : 'default'));
  const report = buildReport(read.entries, read.problems, { ledger, since: input.since, convoy: input.convoy, caller: input.caller, cost, prices });
  return { report, read };
}

/** Names the path, where it came from, and what to do; an existing empty ledger is not an error. */
export function missingLedgerMessage(file: string, from: 'flag' | 'env' | 'default'): string {
  if (from === 'flag') return `--ledger: no ledger file at ${file} (expected a JSONL cost ledger, e.g. .gastown-state/ledger.jsonl)`;
  if (from === 'env') return `$GTH_LEDGER: no ledger file at ${file} (expected a JSONL cost ledger, e.g. .gastown-state/ledger.jsonl)`;
  return `no ledger at ${file}: no model calls recorded in this town yet (run from the town repository, or pass --ledger FILE / set $GTH_LEDGER)`;
}

/** Writes to a temp file beside the target, then renames, so readers never see half a page. */
export async function writeHtmlReport(report: CostReport, file: string): Promise<void> {
  await writeFileAtomic(file, renderReportHtml(report, await loadChartJs()));
}
