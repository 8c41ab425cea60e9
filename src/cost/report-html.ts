// Self-contained HTML cost report: Chart.js inlined from node_modules, data inlined, works offline.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GthError } from '../util/errors.js';
import type { CostReport, CostRow } from './report.js';
import { duration, usd } from './report-text.js';

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
  const head = [keyName, 'calls', 'local', 'tokens in', 'tokens out', 'time', 'energy Wh', 'cloud', 'electricity', 'hybrid', 'all-cloud', 'saved'];
  const line = (r: CostRow, cls = ''): string =>
    `<tr${cls ? ` class="${cls}"` : ''}>${[r.key, r.calls, r.localCalls, r.tokensIn, r.tokensOut, duration(r.seconds), r.energyWh.toFixed(2), usd(r.cloudUsd), usd(r.electricityUsd), usd(r.hybridUsd), usd(r.allCloudUsd), usd(r.savedUsd)]
      .map((c) => `<td>${esc(String(c))}</td>`)
      .join('')}</tr>`;
  return `<h2>${esc(title)}</h2><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => line(r)).join('')}${line({ ...total, key: 'total' }, 'total')}</tbody></table>`;
}

/** The chart set: canvas id, title and the data each draws. */
export const CHART_IDS = ['cost-by-role', 'cost-by-convoy', 'time-by-role', 'energy-by-role'] as const;

export function renderReportHtml(report: CostReport, chartJs: string, generatedAt = new Date()): string {
  const data = {
    roles: report.byRole.map((r) => r.key),
    convoys: report.byConvoy.map((r) => r.key),
    roleHybrid: report.byRole.map((r) => r.hybridUsd),
    roleCloud: report.byRole.map((r) => r.allCloudUsd),
    convoyHybrid: report.byConvoy.map((r) => r.hybridUsd),
    convoyCloud: report.byConvoy.map((r) => r.allCloudUsd),
    roleMinutes: report.byRole.map((r) => r.seconds / 60),
    roleEnergy: report.byRole.map((r) => r.energyWh),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const filters = [report.filters.since ? `since ${report.filters.since}` : '', report.filters.convoy ? `convoy ${report.filters.convoy}` : ''].filter(Boolean).join(', ');
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
  function bars(id, labels, sets, yTitle, fmt) {
    return new Chart(document.getElementById(id), {
      type: 'bar',
      data: { labels: labels, datasets: sets },
      options: { responsive: false, plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + fmt(c.parsed.y); } } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } } }
    });
  }
  var charts = [
    bars('cost-by-role', d.roles, [{ label: 'hybrid', data: d.roleHybrid, backgroundColor: '#2b7a78' }, { label: 'all-cloud', data: d.roleCloud, backgroundColor: '#e07a5f' }], 'USD', money),
    bars('cost-by-convoy', d.convoys, [{ label: 'hybrid', data: d.convoyHybrid, backgroundColor: '#2b7a78' }, { label: 'all-cloud', data: d.convoyCloud, backgroundColor: '#e07a5f' }], 'USD', money),
    bars('time-by-role', d.roles, [{ label: 'minutes', data: d.roleMinutes, backgroundColor: '#3d5a80' }], 'minutes', function (v) { return v.toFixed(1) + ' min'; }),
    bars('energy-by-role', d.roles, [{ label: 'Wh', data: d.roleEnergy, backgroundColor: '#f2cc8f' }], 'Wh', function (v) { return v.toFixed(2) + ' Wh'; })
  ];
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
</style>
</head>
<body>
<h1>Hybrid vs all-cloud cost</h1>
<p>Ledger <code>${esc(report.ledger)}</code>${filters ? ` (${esc(filters)})` : ''}: ${report.entries} calls. Generated ${esc(generatedAt.toISOString())}.
Hybrid = cloud tokens + electricity of local calls; all-cloud = every local call priced at a cloud model (${cf || 'no local calls'}).</p>
${skipped}
<div class="charts">
<figure><figcaption>Cost per role</figcaption><canvas id="cost-by-role" width="560" height="300"></canvas></figure>
<figure><figcaption>Cost per convoy</figcaption><canvas id="cost-by-convoy" width="560" height="300"></canvas></figure>
<figure><figcaption>Time per role</figcaption><canvas id="time-by-role" width="560" height="300"></canvas></figure>
<figure><figcaption>GPU energy per role</figcaption><canvas id="energy-by-role" width="560" height="300"></canvas></figure>
</div>
${table('Per role', 'role', report.byRole, report.total)}
${table('Per convoy', 'convoy', report.byConvoy, report.total)}
<script>${scriptSafe(chartJs)}</script>
<script>${scriptSafe(chartScript)}</script>
</body>
</html>
`;
}
