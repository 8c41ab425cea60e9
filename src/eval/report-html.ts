// Self-contained HTML eval report: pass rate by token band, tokens/s and cost per passed task (Chart.js inlined).
import type { EvalResults } from './results-schema.js';
import { formatEvalTable } from './report-text.js';

export const EVAL_CHART_IDS = ['pass-by-band', 'tokens-per-second', 'cost-per-pass'] as const;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const scriptSafe = (js: string): string => js.replace(/^\/\/# sourceMappingURL=.*$/gm, '').replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

/** The figures each chart draws, per model (exported so tests can check them without a browser). */
export function chartData(r: EvalResults): { models: string[]; bands: Record<string, (number | null)[]>; tokensPerSecond: (number | null)[]; costPerPass: (number | null)[] } {
  const polecat = r.scores.filter((s) => s.role === 'polecat');
  const models = [...new Set(r.scores.map((s) => s.model))];
  const pick = (m: string) => polecat.find((s) => s.model === m);
  const band = (b: 'small' | 'medium' | 'large') => models.map((m) => {
    const st = pick(m)?.passRateByBand[b];
    return st ? st.mean * 100 : null;
  });
  const perModel = (f: (rs: typeof r.scores) => number | null) => models.map((m) => f(r.scores.filter((s) => s.model === m)));
  return {
    models,
    bands: { '<6k': band('small'), '6k-14k': band('medium'), '>14k': band('large') },
    tokensPerSecond: perModel((rs) => {
      const v = rs.map((s) => s.tokensPerSecond?.mean).filter((x): x is number => x !== undefined);
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    }),
    costPerPass: perModel((rs) => {
      const runs = r.runs.filter((x) => rs.some((s) => s.model === x.model));
      const passes = runs.filter((x) => x.passed).length;
      return passes ? runs.reduce((n, x) => n + x.costUsd, 0) / passes : null;
    }),
  };
}

export function renderEvalHtml(r: EvalResults, chartJs: string): string {
  const json = JSON.stringify(chartData(r)).replace(/</g, '\\u003c');
  const script = `
(function () {
  var d = ${json};
  Chart.defaults.animation = false;
  var colors = ['#2b7a78', '#e07a5f', '#3d5a80', '#f2cc8f'];
  function bars(id, labels, sets, yTitle) {
    return new Chart(document.getElementById(id), { type: 'bar', data: { labels: labels, datasets: sets },
      options: { responsive: false, scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } } } });
  }
  var bandSets = Object.keys(d.bands).map(function (b, i) { return { label: b, data: d.bands[b], backgroundColor: colors[i % colors.length] }; });
  var charts = [
    bars('pass-by-band', d.models, bandSets, 'Polecat pass rate %'),
    bars('tokens-per-second', d.models, [{ label: 'tokens/s', data: d.tokensPerSecond, backgroundColor: '#3d5a80' }], 'tokens/s'),
    bars('cost-per-pass', d.models, [{ label: 'USD per passed task', data: d.costPerPass, backgroundColor: '#e07a5f' }], 'USD')
  ];
  window.gthCharts = charts;
  document.body.setAttribute('data-charts', String(charts.length));
})();`;
  const models = r.models.map((m) => `<li><code>${esc(m.name)}</code>: ${m.file ? esc(m.file) : 'no local file'}, sha256 ${m.sha256 ? `<code>${esc(m.sha256)}</code>` : 'unknown'}</li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>gastown-hybrid eval ${esc(r.id)}</title>
<style>body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; } .charts { display: flex; flex-wrap: wrap; gap: 2rem; } figure { margin: 0; } pre { font-size: 12px; }</style>
</head>
<body>
<h1>Model eval ${esc(r.id)}</h1>
<p>${esc(r.date)}: ${r.runs.length} runs, ${r.repeat} repeat(s), ${r.attemptsPerModel} attempt(s) per Polecat task. Tasks from <code>${esc(r.tasksDir)}</code>.</p>
<ul>${models}</ul>
<div class="charts">
<figure><figcaption>Polecat pass rate by prompt-token band</figcaption><canvas id="pass-by-band" width="560" height="300"></canvas></figure>
<figure><figcaption>Generation speed</figcaption><canvas id="tokens-per-second" width="560" height="300"></canvas></figure>
<figure><figcaption>Cost per passed task</figcaption><canvas id="cost-per-pass" width="560" height="300"></canvas></figure>
</div>
<pre>${esc(formatEvalTable(r))}</pre>
<script>${scriptSafe(chartJs)}</script>
<script>${scriptSafe(script)}</script>
</body>
</html>
`;
}
