// Self-contained HTML cost report: Chart.js inlined from node_modules, data inlined, works offline.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GthError } from '../util/errors.js';
import type { CostReport, CostRow } from './report.js';
import { cells, filterText, footnotes, HEADERS, noDataNote } from './report-text.js';

/** Reads Chart.js's UMD build at render time, so the page needs no network and no CDN. */
export async function loadChartJs(): Promise<string> {
  const require = createRequire(import.meta.url);
  let file: string;
  try {
    file = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new GthError(`cannot read chart.js/dist/chart.umd.js (is the chart.js package installed?): ${(err as Error).message}`, { cause: err });
  }
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Makes text safe inside a <script> element: no "</script", "<!--" or source-map fetch. */
function scriptSafe(js: string): string {
  return js
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '')
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
}

function table(title: string, keyName: string, rows: CostRow[], total: CostRow): string {
  const head = [keyName, ...HEADERS];
  const line = (r: CostRow, cls = ''): string =>
    `<tr${cls ? ` class="${cls}"` : ''}>${[r.key, ...cells(r)].map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`;
  return `<h2>${esc(title)}</h2><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => line(r)).join('')}${line({ ...total, key: 'total' }, 'total')}</tbody></table>`;
}

/** The chart set: canvas id, title and the data each draws. */
export const CHART_IDS = ['cost-by-role', 'cost-by-convoy', 'time-by-role', 'energy-by-role', 'cpu-energy-by-role'] as const;
type ChartId = (typeof CHART_IDS)[number];

/** A chart's caption, and the note shown instead of empty axes when it has nothing to draw. */
const CHARTS: Record<ChartId, { caption: string; empty: string }> = {
  'cost-by-role': { caption: 'Cost per role: hybrid vs all-cloud', empty: 'no calls' },
  'cost-by-convoy': { caption: 'Cost per convoy: hybrid vs all-cloud', empty: 'no calls' },
  'time-by-role': { caption: 'Time per role: hybrid vs all-cloud', empty: 'no calls' },
  'energy-by-role': { caption: 'GPU energy per role (calls run on the GPU)', empty: 'no calls ran on the GPU' },
  'cpu-energy-by-role': { caption: 'CPU energy per role (calls run on the CPU)', empty: 'no calls ran on the CPU' },
};

export function renderReportHtml(report: CostReport, chartJs: string, generatedAt = new Date()): string {
  const data = {
    roles: report.byRole.map((r) => r.key),
    convoys: report.byConvoy.map((r) => r.key),
    roleHybrid: report.byRole.map((r) => r.hybridUsd),
    roleCloud: report.byRole.map((r) => r.allCloudUsd),
    convoyHybrid: report.byConvoy.map((r) => r.hybridUsd),
    convoyCloud: report.byConvoy.map((r) => r.allCloudUsd),
    roleMinutes: report.byRole.map((r) => r.seconds / 60),
    // null: the all-cloud time is unknown (no speed for its cloud model); Chart.js leaves the bar out.
    roleCloudMinutes: report.byRole.map((r) => (r.allCloudSeconds === null ? null : r.allCloudSeconds / 60)),
    roleGpuWh: report.byRole.map((r) => r.gpuWh),
    roleCpuWh: report.byRole.map((r) => r.cpuWh),
  };
  const hasData: Record<ChartId, boolean> = {
    'cost-by-role': report.entries > 0,
    'cost-by-convoy': report.entries > 0,
    'time-by-role': report.entries > 0,
    'energy-by-role': report.byRole.some((r) => r.gpuWh > 0),
    'cpu-energy-by-role': report.byRole.some((r) => r.cpuWh > 0),
  };
  // A missing bar must not read as "zero minutes": say which roles have no all-cloud time, and why.
  const unknownTime = report.byRole.filter((r) => r.allCloudSeconds === null).map((r) => r.key);
  const notes: Partial<Record<ChartId, string>> = unknownTime.length
    ? { 'time-by-role': `No all-cloud bar for ${unknownTime.join(', ')}: the speed of ${report.missingSpeeds.join(', ')} is unknown (see the notes below).` }
    : {};
  const figures = CHART_IDS.map((id) =>
    hasData[id]
      ? `<figure><figcaption>${esc(CHARTS[id].caption)}</figcaption><canvas id="${id}" width="560" height="300"></canvas>${notes[id] ? `<p class="chart-note" data-chart="${id}">${esc(notes[id])}</p>` : ''}</figure>`
      : `<figure><figcaption>${esc(CHARTS[id].caption)}</figcaption><p class="no-data" data-chart="${id}">No data: ${esc(CHARTS[id].empty)}.</p></figure>`,
  ).join('\n');
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const filters = filterText(report);
  const skipped = report.skipped.length
    ? `<p class="warn">Skipped ${report.skipped.length} corrupt ledger line(s): ${report.skipped.map((p) => `line ${p.line} (${esc(p.message)})`).join('; ')}</p>`
    : '';
  const cf = Object.entries(report.counterfactual).map(([r, m]) => `${esc(r)}: ${esc(m)}`).join(', ');
  // Animation off: the charts are complete as soon as the script has run (print, screenshots, tests).
  const chartScript = `
(function () {
  var d = ${json};
  Chart.defaults.animation = false;
  function money(v) { return '$' + Number(v).toFixed(Math.abs(v) < 1 && v !== 0 ? 4 : 2); }
  function minutes(v) { return v.toFixed(1) + ' min'; }
  function wh(v) { return v.toFixed(2) + ' Wh'; }
  function bars(id, labels, sets, yTitle, fmt) {
    // A chart with nothing to draw has a "no data" note in the page instead of a canvas.
    var canvas = document.getElementById(id);
    if (!canvas) return null;
    return new Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: sets },
      options: { responsive: false, plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + fmt(c.parsed.y); } } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } } }
    });
  }
  var charts = [
    bars('cost-by-role', d.roles, [{ label: 'hybrid', data: d.roleHybrid, backgroundColor: '#2b7a78' }, { label: 'all-cloud', data: d.roleCloud, backgroundColor: '#e07a5f' }], 'USD', money),
    bars('cost-by-convoy', d.convoys, [{ label: 'hybrid', data: d.convoyHybrid, backgroundColor: '#2b7a78' }, { label: 'all-cloud', data: d.convoyCloud, backgroundColor: '#e07a5f' }], 'USD', money),
    bars('time-by-role', d.roles, [{ label: 'hybrid', data: d.roleMinutes, backgroundColor: '#2b7a78' }, { label: 'all-cloud', data: d.roleCloudMinutes, backgroundColor: '#e07a5f' }], 'minutes', minutes),
    bars('energy-by-role', d.roles, [{ label: 'GPU Wh', data: d.roleGpuWh, backgroundColor: '#f2cc8f' }], 'Wh', wh),
    bars('cpu-energy-by-role', d.roles, [{ label: 'CPU Wh', data: d.roleCpuWh, backgroundColor: '#81b29a' }], 'Wh', wh)
  ].filter(function (c) { return c !== null; });
  window.gthCharts = charts;
  document.body.setAttribute('data-charts', String(charts.length));
})();`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>gastown-hybrid cost report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 1rem; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; }
figure { margin: 0; }
.warn { color: #a33; }
.chart-note { max-width: 560px; color: #a33; margin: 0.25rem 0 0; }
.no-data { width: 560px; padding: 2rem 0; text-align: center; color: #666; border: 1px dashed #ccc; }
</style>
</head>
<body>
<h1>Hybrid vs all-cloud cost</h1>
<p>Ledger <code>${esc(report.ledger)}</code>${filters ? ` (${esc(filters)})` : ''}: ${report.entries} calls. Generated ${esc(generatedAt.toISOString())}.
Hybrid = cloud tokens + electricity of local calls; all-cloud = every local call priced at a cloud model (${cf || 'no local calls'}).</p>
${skipped}
${report.entries === 0 ? `<p class="no-data" id="no-data">No data: ${esc(noDataNote(report))}.</p>` : ''}
${report.entries === 0 ? '' : `<div class="charts">\n${figures}\n</div>`}
${report.entries === 0 ? '' : `${table('Per role', 'role', report.byRole, report.total)}
${table('Per convoy', 'convoy', report.byConvoy, report.total)}
${table('Per caller', 'caller', report.byCaller, report.total)}
<ul class="notes">${footnotes(report).map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`}
<script>${scriptSafe(chartJs)}</script>
<script>${scriptSafe(chartScript)}</script>
</body>
</html>
`;
}
