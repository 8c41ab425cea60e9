// The HTML cost report opened offline in headless Chromium: every chart drawn, no network used.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CostConfig } from '../../../src/cost/config.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { buildReport } from '../../../src/cost/report.js';
import { CHART_IDS, loadChartJs, renderReportHtml } from '../../../src/cost/report-html.js';
import { chromiumMissing, launchChromium } from '../../support/chromium.js';
import { gth } from '../../support/cli.js';
import { ENTRIES, TEST_COST_CONFIG, TEST_PRICES } from '../../unit/cost/ledger-fixture.js';

interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
interface PageGlobals {
  document: { body: { getAttribute(name: string): string | null }; getElementById(id: string): Canvas };
  Chart: { getChart(c: Canvas): { data: { labels: string[]; datasets: { label: string; data: number[] }[] } } | undefined };
}

const missing = chromiumMissing();
if (missing) console.warn(`html-report.test.ts: ${missing}`);

const dir = mkdtempSync(join(tmpdir(), 'gth-cost-html-'));
let browser: Browser | undefined;
beforeAll(async () => {
  if (!missing) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTML cost report', () => {
  it('is one self-contained file with Chart.js inlined and user text escaped', async () => {
    const entries = [...ENTRIES, { ...ENTRIES[1]!, convoy: '<script>alert(1)</script>' }];
    const report = buildReport(entries, [{ line: 9, message: 'not JSON' }], { ledger: 'l', cost: CostConfig.parse(TEST_COST_CONFIG), prices: loadPrices(TEST_PRICES) });
    const html = renderReportHtml(report, await loadChartJs());
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toContain('sourceMappingURL');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('line 9 (not JSON)');
  });

  it.skipIf(missing !== null)('draws every chart offline in headless Chromium with the report figures', async () => {
    writeFileSync(join(dir, 'gastown.yml'), `cost:\n  prices: ${TEST_PRICES}\n  counterfactual: { default: cloud-flash, roles: { refinery: cloud-pro } }\n  cloudTokensPerSecond: { cloud-flash: 100 }\n`);
    writeFileSync(join(dir, 'ledger.jsonl'), `${ENTRIES.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const r = await gth(['cost', 'report', '--ledger', 'ledger.jsonl', '--html', 'report.html', '--json'], { cwd: dir });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const file = join(dir, 'report.html');
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/);

    const page = await browser!.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // Anything but the file itself would be a network fetch: refuse it, and the test sees it.
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href);
    // The page functions run in the browser; these shapes stand in for the DOM types (no DOM lib here).
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.getAttribute('data-charts') === '5', undefined, { timeout: 15_000 });

    const charts = await page.evaluate((ids) => {
      const w = globalThis as unknown as PageGlobals;
      return ids.map((id) => {
        const canvas = w.document.getElementById(id);
        const chart = w.Chart.getChart(canvas);
        const ctx = canvas.getContext('2d');
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) painted++;
        return { id, labels: chart?.data.labels ?? null, sets: chart?.data.datasets.map((d) => ({ label: d.label, data: d.data })) ?? null, painted };
      });
    }, [...CHART_IDS]);

    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    for (const c of charts) expect(c.painted, `${c.id} has pixels drawn`).toBeGreaterThan(1000);
    const role = byId['cost-by-role']!;
    expect(role.labels).toEqual(['mayor', 'refinery', 'polecat']);
    expect(role.sets!.map((s) => s.label)).toEqual(['hybrid', 'all-cloud']);
    expect(role.sets![0]!.data[1]).toBeCloseTo(0.005, 12); // refinery hybrid: 25 Wh x $0.2/kWh
    expect(role.sets![1]!.data[1]).toBeCloseTo(0.048, 12); // refinery all-cloud on cloud-pro
    const convoy = byId['cost-by-convoy']!;
    expect(convoy.labels).toEqual(['cv-a', 'cv-b', '(no convoy)']);
    expect(convoy.sets![1]!.data[0]).toBeCloseTo(0.07295, 12);
    // Time per role, hybrid beside all-cloud (figures in ledger-fixture.ts).
    const time = byId['time-by-role']!;
    expect(time.sets!.map((s) => s.label)).toEqual(['hybrid', 'all-cloud']);
    expect(time.sets![0]!.data).toEqual([20 / 60, 300 / 60, 70 / 60]);
    expect(time.sets![1]!.data.map((v) => Number(v.toFixed(9)))).toEqual([20 / 60, 10 / 60, 21 / 60].map((v) => Number(v.toFixed(9))));
    // GPU energy leaves the CPU-run Refinery out; its energy is drawn on its own chart.
    expect(byId['energy-by-role']!.sets![0]!.data).toEqual([0, 0, 6]);
    expect(byId['cpu-energy-by-role']!.sets![0]!.data).toEqual([0, 25, 0]);
    await page.close();
  });

  it.skipIf(missing !== null)('shows "no data" notes instead of blank axes: for an empty ledger, and for a device no call ran on', async () => {
    writeFileSync(join(dir, 'gastown.yml'), `cost:\n  prices: ${TEST_PRICES}\n  counterfactual: { default: cloud-flash, roles: { refinery: cloud-pro } }\n`);
    writeFileSync(join(dir, 'empty.jsonl'), '');
    writeFileSync(join(dir, 'cloud-only.jsonl'), `${JSON.stringify(ENTRIES[0])}\n`);
    const [e, c] = await Promise.all([
      gth(['cost', 'report', '--ledger', 'empty.jsonl', '--html', 'empty.html'], { cwd: dir }),
      gth(['cost', 'report', '--ledger', 'cloud-only.jsonl', '--html', 'cloud.html'], { cwd: dir }),
    ]);
    expect(e.exitCode, String(e.stderr)).toBe(0);
    expect(c.exitCode, String(c.stderr)).toBe(0);
    const look = async (file: string): Promise<{ charts: string | null; canvases: string[]; notes: string[]; text: string }> => {
      const page = await browser!.newPage();
      await page.goto(pathToFileURL(join(dir, file)).href);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.getAttribute('data-charts') !== null, undefined, { timeout: 15_000 });
      const r = {
        charts: await page.getAttribute('body', 'data-charts'),
        canvases: await page.locator('canvas').evaluateAll((els) => els.map((el) => el.id)),
        notes: await page.locator('.no-data').allInnerTexts(),
        text: await page.locator('body').innerText(),
      };
      await page.close();
      return r;
    };
    const empty = await look('empty.html');
    expect(empty.charts).toBe('0');
    expect(empty.canvases).toEqual([]);
    expect(empty.notes).toEqual([`No data: no model calls recorded in ${join(dir, 'empty.jsonl')}.`]);
    expect(empty.text).not.toContain('Per role');
    const cloud = await look('cloud.html');
    expect(cloud.charts).toBe('3');
    expect(cloud.canvases).toEqual(['cost-by-role', 'cost-by-convoy', 'time-by-role']);
    expect(cloud.notes).toEqual(['No data: no calls ran on the GPU.', 'No data: no calls ran on the CPU.']);
    // Without cloudTokensPerSecond, the fixture's polecat calls have no all-cloud time: the chart says so.
    writeFileSync(join(dir, 'local.jsonl'), `${ENTRIES.slice(1).map((x) => JSON.stringify(x)).join('\n')}\n`);
    const l = await gth(['cost', 'report', '--ledger', 'local.jsonl', '--html', 'local.html'], { cwd: dir });
    expect(l.exitCode, String(l.stderr)).toBe(0);
    const page = await browser!.newPage();
    await page.goto(pathToFileURL(join(dir, 'local.html')).href);
    expect(await page.locator('.chart-note[data-chart="time-by-role"]').innerText()).toBe(
      'No all-cloud bar for refinery, polecat: the speed of cloud-flash, cloud-pro is unknown (see the notes below).',
    );
    await page.close();
  });
});
