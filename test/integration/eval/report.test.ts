// Eval reports: the terminal table, and the HTML page opened in headless Chromium with its three charts drawn offline.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../../support/chromium.js';
import { loadChartJs } from '../../../src/cost/report-html.js';
import { renderEvalHtml, chartData, EVAL_CHART_IDS } from '../../../src/eval/report-html.js';
import { formatEvalTable } from '../../../src/eval/report-text.js';
import { rec, results } from '../../unit/eval/records.js';

interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
interface PageGlobals {
  document: { body: { getAttribute(name: string): string | null }; getElementById(id: string): Canvas };
  Chart: { getChart(c: Canvas): { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } } | undefined };
}

const R = results([
  rec({ task: 'a', model: 'm1', band: 'small', passed: true, costUsd: 0.02, completionTokens: 100, callSeconds: 4 }),
  rec({ task: 'b', model: 'm1', band: 'large', passed: false, costUsd: 0.04, completionTokens: 100, callSeconds: 1 }),
  rec({ task: 'a', model: 'm2<b>', band: 'small', passed: false, costUsd: 0.01, completionTokens: 30, callSeconds: 1 }),
  rec({ task: 'r', model: 'm2<b>', kind: 'refinery', band: null, passed: true, defectsPlanted: 1, defectsFound: 1, falseAlarms: 2, costUsd: 0.03, completionTokens: 50, callSeconds: 1 }),
], { repeat: 1, notes: ['VRAM peak: no nvidia-smi reading during the runs (null)'] });

const missing = chromiumMissing();
let browser: Browser | undefined;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gth-eval-html-'));
  if (!missing) browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('eval reports', () => {
  it('prints one table row per model and role with pass rates per band and review counts', () => {
    const text = formatEvalTable(R);
    const rows = text.split('\n');
    expect(rows[0]).toBe('eval abc123 (2026-11-25T10:00:00.000Z), 1 repeat(s), 4 run(s)');
    const m1 = rows.find((l) => l.startsWith('m1 '))!.split(/\s{2,}/);
    expect(m1.slice(0, 6)).toEqual(['m1', 'polecat', '50%', '100%', '-', '0%']);
    const rv = rows.find((l) => l.includes('refinery'))!.split(/\s{2,}/);
    expect(rv.slice(0, 3)).toEqual(['m2<b>', 'refinery', '100%']);
    expect(rv[8]).toBe('1/1');
    expect(rv[9]).toBe('2');
    expect(text).toContain('note: VRAM peak: no nvidia-smi reading');
  });

  it('computes the chart figures per model', () => {
    const d = chartData(R);
    expect(d.models).toEqual(['m1', 'm2<b>']);
    expect(d.bands).toEqual({ '<6k': [100, 0], '6k-14k': [null, null], '>14k': [0, null] });
    // m1: 200 tokens / 5 s = 40 tok/s; m2: polecat 30/1 and refinery 50/1, averaged over its roles = 40.
    expect(d.tokensPerSecond).toEqual([40, 40]);
    // m1: $0.06 for 1 pass; m2: $0.04 for 1 pass.
    expect(d.costPerPass[0]).toBeCloseTo(0.06, 12);
    expect(d.costPerPass[1]).toBeCloseTo(0.04, 12);
  });

  it.skipIf(missing !== null)('draws the three charts offline in Chromium, with model names escaped', async () => {
    const html = renderEvalHtml(R, await loadChartJs());
    expect(html).toContain('m2&lt;b&gt;');
    const file = join(dir, 'eval.html');
    writeFileSync(file, html);
    const page = await browser!.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.getAttribute('data-charts') === '3', undefined, { timeout: 15_000 });
    const charts = await page.evaluate((ids) => {
      const w = globalThis as unknown as PageGlobals;
      return ids.map((id) => {
        const canvas = w.document.getElementById(id);
        const chart = w.Chart.getChart(canvas);
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) painted++;
        return { id, labels: chart?.data.labels ?? null, sets: chart?.data.datasets.map((s) => ({ label: s.label, data: s.data })) ?? null, painted };
      });
    }, [...EVAL_CHART_IDS]);
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
    for (const c of charts) expect(c.painted, c.id).toBeGreaterThan(1000);
    expect(charts[0]!.labels).toEqual(['m1', 'm2<b>']);
    expect(charts[0]!.sets!.map((s) => s.label)).toEqual(['<6k', '6k-14k', '>14k']);
    expect(charts[0]!.sets![0]!.data).toEqual([100, 0]);
    expect(charts[1]!.sets![0]!.data).toEqual([40, 40]);
    await page.close();
  }, 60_000);
});
