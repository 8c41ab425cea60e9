// Terminal rendering of the cost report: one table per role and per convoy, plus skipped lines.
import { formatTable } from '../cli/output.js';
import type { CostReport, CostRow } from './report.js';

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

const HEADERS = ['calls', 'local', 'tokens in', 'tokens out', 'time', 'energy Wh', 'cloud', 'electricity', 'hybrid', 'all-cloud', 'saved'];

function cells(r: CostRow): (string | number)[] {
  return [r.calls, r.localCalls, r.tokensIn, r.tokensOut, duration(r.seconds), r.energyWh.toFixed(2), usd(r.cloudUsd), usd(r.electricityUsd), usd(r.hybridUsd), usd(r.allCloudUsd), usd(r.savedUsd)];
}

export function formatReport(report: CostReport): string {
  const out: string[] = [];
  const filters = [report.filters.since ? `since ${report.filters.since}` : '', report.filters.convoy ? `convoy ${report.filters.convoy}` : ''].filter(Boolean).join(', ');
  const failed = report.total.failedCalls ? ` (${report.total.failedCalls} failed)` : '';
  out.push(`Cost report for ${report.ledger}${filters ? ` (${filters})` : ''}: ${report.entries} calls${failed}`);
  out.push('');
  out.push(formatTable(['role', ...HEADERS], [...report.byRole.map((r) => [r.key, ...cells(r)]), ['total', ...cells(report.total)]]));
  out.push('');
  out.push(formatTable(['convoy', ...HEADERS], [...report.byConvoy.map((r) => [r.key, ...cells(r)]), ['total', ...cells(report.total)]]));
  out.push('');
  const cf = Object.entries(report.counterfactual).map(([role, model]) => `${role}=${model}`).join(', ');
  out.push(cf ? `all-cloud prices local calls at: ${cf}` : 'no local calls: hybrid and all-cloud are the same cloud calls');
  if (report.skipped.length > 0) {
    out.push(`skipped ${report.skipped.length} corrupt ledger line(s): ${report.skipped.map((p) => `line ${p.line} (${p.message})`).join('; ')}`);
  }
  return out.join('\n');
}
