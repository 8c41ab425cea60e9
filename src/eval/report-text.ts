// The terminal table of eval scores: one row per model and role, spreads shown as mean [min-max].
import { formatTable } from '../cli/output.js';
import type { EvalResults, Stat } from './results-schema.js';

const pct = (s: Stat): string => (s.n > 1 && s.min !== s.max ? `${(s.mean * 100).toFixed(0)}% [${(s.min * 100).toFixed(0)}-${(s.max * 100).toFixed(0)}]` : `${(s.mean * 100).toFixed(0)}%`);
const num = (s: Stat | null, d = 1): string => (s === null ? '-' : s.n > 1 && s.min !== s.max ? `${s.mean.toFixed(d)} [${s.min.toFixed(d)}-${s.max.toFixed(d)}]` : s.mean.toFixed(d));
const usd = (x: number | null): string => (x === null ? '-' : `$${x.toFixed(4)}`);

export function formatEvalTable(r: EvalResults): string {
  const head = ['model', 'role', 'pass', '<6k', '6-14k', '>14k', 'attempts', 'guard', 'defects', 'false', 'code chg', 'tok in', 'tok out', 'tok/s', 'ttft ms', 'vram MiB', 'cost', '$/pass'];
  const rows = r.scores.map((s) => [
    s.model,
    s.role,
    pct(s.passRate),
    s.passRateByBand.small ? pct(s.passRateByBand.small) : '-',
    s.passRateByBand.medium ? pct(s.passRateByBand.medium) : '-',
    s.passRateByBand.large ? pct(s.passRateByBand.large) : '-',
    num(s.attempts),
    num(s.guardHits, 0),
    s.role === 'refinery' ? `${num(s.defectsFound, 0)}/${s.defectsPlanted}` : '-',
    s.role === 'refinery' ? num(s.falseAlarms, 0) : '-',
    s.role === 'librarian' ? num(s.codeChanges, 0) : '-',
    num(s.promptTokens, 0),
    num(s.completionTokens, 0),
    num(s.tokensPerSecond),
    num(s.ttftMs, 0),
    s.vramPeakMiB === null ? '-' : String(Math.round(s.vramPeakMiB)),
    usd(s.costUsd.mean),
    usd(s.costPerPassedTask),
  ]);
  const lines = [`eval ${r.id} (${r.date}), ${r.repeat} repeat(s), ${r.runs.length} run(s)`, formatTable(head, rows)];
  for (const n of r.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}
