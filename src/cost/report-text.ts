// Terminal rendering of the cost report: one table per role, per convoy and per caller, notes, skipped lines.
import { formatTable } from '../cli/output.js';
import { OWN_CALLER, type CostReport, type CostRow } from './report.js';

export function usd(x: number): string {
  const abs = Math.abs(x);
  // Below a dollar, cents hide the difference the report exists to show.
  const digits = abs !== 0 && abs < 1 ? 4 : 2;
  return `${x < 0 ? '-' : ''}$${abs.toFixed(digits)}`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Column names and cells, shared by the terminal and HTML tables. */
export const HEADERS = ['calls', 'local', 'tokens in', 'tokens out', 'time', 'all-cloud time', 'GPU Wh', 'CPU Wh', 'cloud', 'electricity', 'hybrid', 'all-cloud', 'saved'];

export function cells(r: CostRow): (string | number)[] {
  return [
    r.calls, r.localCalls, r.tokensIn, r.tokensOut, duration(r.seconds), r.allCloudSeconds === null ? 'unknown' : duration(r.allCloudSeconds),
    r.gpuWh.toFixed(2), r.cpuWh.toFixed(2), usd(r.cloudUsd), usd(r.electricityUsd), usd(r.hybridUsd), usd(r.allCloudUsd), usd(r.savedUsd),
  ];
}

/** Says why there is nothing to show: an empty ledger, or filters that match none of its calls. */
export function noDataNote(report: CostReport): string {
  if (report.ledgerCalls === 0) return `no model calls recorded in ${report.ledger}`;
  return `no model calls match ${filterText(report)}; the ledger holds ${report.ledgerCalls} call(s)`;
}

export function filterText(report: CostReport): string {
  const f = report.filters;
  return [f.since ? `since ${f.since}` : '', f.convoy ? `convoy ${f.convoy}` : '', f.caller ? `caller ${f.caller}` : ''].filter(Boolean).join(', ');
}

/** The lines under the tables: what all-cloud means, where its speeds and the energy figures come from. */
export function footnotes(report: CostReport): string[] {
  const out: string[] = [
    'hybrid = what was paid: cloud tokens + electricity of local calls; all-cloud = the same calls with every local call run by a cloud model',
    // Sums of call durations, not elapsed time: a newcomer reads "6m30s" as a stopwatch otherwise.
    'time = the calls\' durations added up (calls running at once each count, so it can exceed the elapsed time); tokens out include thinking tokens',
  ];
  const cf = Object.entries(report.counterfactual).map(([role, model]) => `${role}=${model}`).join(', ');
  out.push(cf ? `all-cloud prices local calls at: ${cf}` : 'no local calls: hybrid and all-cloud are the same cloud calls');
  out.push(`caller: ${OWN_CALLER} is this town's own engine; other names are tools using the fleet endpoint (their API key's name, then their X-Gth-Caller header)`);
  for (const s of Object.values(report.cloudSpeeds)) {
    out.push(`all-cloud time: ${s.model} at ${s.tokensPerSecond.toFixed(1)} output tokens/s (${s.source === 'measured' ? `measured over ${s.calls} call(s) in this ledger` : 'cost.cloudTokensPerSecond'})`);
  }
  for (const m of report.missingSpeeds) {
    out.push(`all-cloud time unknown for calls priced at ${m}: no successful call to it in this ledger to measure; set cost.cloudTokensPerSecond.${m} in gastown.yml`);
  }
  const { sampled, configured } = report.energySources;
  if (sampled + configured > 0) {
    out.push(`electricity: priced in each ledger line when the call ran (now $${report.prices.electricityPerKWh}/kWh in ${report.prices.file})`);
    out.push(`local energy: ${sampled} call(s) from sampled power, ${configured} at configured watts (cost.localWatts for the GPU, cost.cpuWatts for the CPU); calls running together share the device's draw`);
  }
  if (report.overlappingOtherMeters > 0) {
    out.push(`warning: ${report.overlappingOtherMeters} local call(s) ran at the same time as calls metered by another process on the same device; each process charged the device's whole draw for the shared time, so their energy is overstated (send local work through one process, e.g. the fleet endpoint, for exact shares)`);
  }
  return out;
}

export function formatReport(report: CostReport): string {
  const out: string[] = [];
  const filters = filterText(report);
  const failed = report.total.failedCalls ? ` (${report.total.failedCalls} failed)` : '';
  out.push(`Cost report for ${report.ledger}${filters ? ` (${filters})` : ''}: ${report.entries} calls${failed}`);
  out.push('');
  if (report.entries === 0) {
    // All-zero tables would read as "it cost nothing"; say instead that there is nothing to count.
    out.push(noDataNote(report));
  } else {
    out.push(formatTable(['role', ...HEADERS], [...report.byRole.map((r) => [r.key, ...cells(r)]), ['total', ...cells(report.total)]]));
    out.push('');
    out.push(formatTable(['convoy', ...HEADERS], [...report.byConvoy.map((r) => [r.key, ...cells(r)]), ['total', ...cells(report.total)]]));
    out.push('');
    out.push(formatTable(['caller', ...HEADERS], [...report.byCaller.map((r) => [r.key, ...cells(r)]), ['total', ...cells(report.total)]]));
    out.push('');
    out.push(...footnotes(report));
  }
  if (report.skipped.length > 0) {
    out.push(`skipped ${report.skipped.length} corrupt ledger line(s): ${report.skipped.map((p) => `line ${p.line} (${p.message})`).join('; ')}`);
  }
  return out.join('\n');
}
