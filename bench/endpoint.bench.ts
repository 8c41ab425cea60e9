// Benchmark: the fleet endpoint against the stand-in llama-server (fixed token rate): added latency, first-token delay,
// 8-stream throughput vs direct, and swaps/p95 wait of the reordered queue vs first-come-first-served on a 3-model trace.
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { BenchResult } from './run.js';
import { ServerPlan } from '../src/fleet/plan-schema.js';
import { Dispatcher } from '../src/runtime/endpoint/dispatcher.js';
import { FleetEndpoint } from '../src/runtime/endpoint/http-server.js';
import type { FleetControl } from '../src/runtime/endpoint/fleet-control.js';
import type { ServerState } from '../src/runtime/state-store.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

interface FakeLlama {
  url: string;
  port: number;
  close(): Promise<void>;
}

const STANDIN = resolve(import.meta.dirname, '../test/doubles/bin/llama-server');

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

/** The stand-in llama-server as its own process, so its work does not share the proxy's event loop. */
async function startFakeLlama(o: { parallel: number; slowMs?: number; reply?: string }): Promise<FakeLlama> {
  const dir = mkdtempSync(join(tmpdir(), 'gth-bench-'));
  const model = join(dir, 'm.gguf');
  writeFileSync(model, 'stand-in');
  const script = join(dir, 'script.json');
  writeFileSync(script, JSON.stringify({ rules: [], default: o.reply ?? 'OK' }));
  const port = await freePort();
  const child = spawn(STANDIN, ['-m', model, '--host', '127.0.0.1', '--port', String(port), '--api-key', 'k', '-np', String(o.parallel)], {
    stdio: 'ignore', env: { ...process.env, FAKE_LLAMA_SCRIPT: script, ...(o.slowMs ? { FAKE_LLAMA_SLOW_MS: String(o.slowMs) } : {}) },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(100);
  }
  return { url, port, close: async () => void child.kill('SIGTERM') };
}

const silent = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function planOf(id: string, slots: number, vramMiB = 1000, importance = 0): ServerPlan {
  return ServerPlan.parse({
    id, model: `model-${id}`, modelFile: `${id}.gguf`, device: 'gpu', roles: ['polecat'], slots, ctxPerSlot: 2048, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0',
    flashAttention: true, gpuLayers: 99, threads: 1, vramMiB, ramMiB: 100, args: [], commandLine: '', importance, tokensPerSecond: 50, tokensPerSecondSource: 'catalog',
  });
}

function stateOf(id: string, fake: FakeLlama): ServerState {
  const now = new Date().toISOString();
  return {
    id, model: `model-${id}`, modelPath: `${id}.gguf`, device: 'gpu', pid: process.pid, port: fake.port, url: fake.url, apiKey: 'k', status: 'ready',
    startedAt: now, readyAt: now, restarts: 0, logFile: '/dev/null', importance: 0, vramMiB: 1000, ramMiB: 100, lastError: null,
  };
}

/** An endpoint over one in-process stand-in that is already running: measures the proxy alone. */
async function proxyOver(fake: FakeLlama, slots: number): Promise<FleetEndpoint> {
  const control: FleetControl = {
    running: () => [stateOf('a', fake)], start: async () => undefined, stop: async () => undefined,
    fitCheck: async () => () => null, loadsPaused: () => false,
  };
  const ep = new FleetEndpoint({
    control, table: { servers: [planOf('a', slots)], pick: () => ({ local: true, model: 'model-a', device: 'gpu' }) },
    config: { host: '127.0.0.1', port: 0, queueSize: 1024, fairness: 8, maxWaitMs: 60_000, retryAfterSeconds: 1 }, keys: new Map(), log: silent,
  });
  await ep.listen();
  return ep;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

const body = (model: string, stream: boolean): string => JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'bench' }] });

async function post(base: string, model: string, stream: boolean, auth: string | null): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: body(model, stream) });
}

async function latency(): Promise<BenchResult[]> {
  const fake = await startFakeLlama({ parallel: 4 });
  const ep = await proxyOver(fake, 4);
  const direct: number[] = [];
  const proxied: number[] = [];
  // Interleaved, so both see the same machine load; the first 50 warm sockets and the JIT.
  for (let i = 0; i < 1050; i++) {
    let t = performance.now();
    await (await post(fake.url, 'x', false, 'k')).text();
    const d = performance.now() - t;
    t = performance.now();
    await (await post(ep.url, 'model-a', false, null)).text();
    const p = performance.now() - t;
    if (i >= 50) {
      direct.push(d);
      proxied.push(p);
    }
  }
  // First token: a stream with 20 ms per token; time to the first content chunk, direct and through the proxy.
  await ep.close();
  await fake.close();
  const slow = await startFakeLlama({ parallel: 4, slowMs: 20, reply: 'alpha beta gamma' });
  const ep2 = await proxyOver(slow, 4);
  const firstToken = async (base: string, model: string, auth: string | null): Promise<number> => {
    const t = performance.now();
    const r = await post(base, model, true, auth);
    const reader = r.body!.getReader();
    let seen = '';
    let at = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += Buffer.from(value).toString('utf8');
      if (!at && seen.includes('"content":"')) at = performance.now() - t;
    }
    return at;
  };
  const ftDirect: number[] = [];
  const ftProxied: number[] = [];
  for (let i = 0; i < 60; i++) {
    ftDirect.push(await firstToken(slow.url, 'x', 'k'));
    ftProxied.push(await firstToken(ep2.url, 'model-a', null));
  }
  await ep2.close();
  await slow.close();
  return [
    { name: 'endpoint: added latency p50 (proxied minus direct, non-streamed)', value: pct(proxied, 50) - pct(direct, 50), unit: 'ms', target: 1 },
    { name: 'endpoint: added latency p99', value: pct(proxied, 99) - pct(direct, 99), unit: 'ms', target: 5 },
    { name: 'endpoint: first-token delay added (p50, 20 ms/token stream)', value: pct(ftProxied, 50) - pct(ftDirect, 50), unit: 'ms', target: 2 },
  ];
}

async function throughput(): Promise<BenchResult[]> {
  const reply = Array.from({ length: 300 }, (_, i) => `t${i}`).join(' ');
  const fake = await startFakeLlama({ parallel: 8, slowMs: 5, reply });
  const ep = await proxyOver(fake, 8);
  const run = async (base: string, model: string, auth: string | null): Promise<number> => {
    const t = performance.now();
    const chunks = await Promise.all(Array.from({ length: 8 }, async () => {
      const text = await (await post(base, model, true, auth)).text();
      return (text.match(/"content":"t\d+/g) ?? []).length;
    }));
    return chunks.reduce((a, b) => a + b, 0) / ((performance.now() - t) / 1000);
  };
  await run(fake.url, 'x', 'k');
  const direct: number[] = [];
  const proxied: number[] = [];
  for (let i = 0; i < 3; i++) {
    direct.push(await run(fake.url, 'x', 'k'));
    proxied.push(await run(ep.url, 'model-a', null));
  }
  await ep.close();
  await fake.close();
  const d = direct.reduce((a, b) => a + b, 0) / direct.length;
  const p = proxied.reduce((a, b) => a + b, 0) / proxied.length;
  return [
    { name: `endpoint: 8 streams, tokens/s direct ${d.toFixed(0)} vs proxied ${p.toFixed(0)}: shortfall`, value: Math.max(0, (1 - p / d) * 100), unit: '%', target: 2 },
  ];
}

/** Deterministic pseudo-random numbers, so every run replays the same trace. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A day of agent traffic, compressed: bursts from three tools, each mostly on its own model, arriving
 * interleaved (ms offsets). Any two of the three models fit at once, never all three.
 */
export function trace(): { at: number; server: string }[] {
  const r = rng(15);
  const out: { at: number; server: string }[] = [];
  let at = 0;
  for (let burst = 0; burst < 24; burst++) {
    const main = ['a', 'b', 'c'][burst % 3]!;
    for (let i = 0; i < 10; i++) {
      at += Math.floor(r() * 12);
      const other = ['a', 'b', 'c'][Math.floor(r() * 3)]!;
      out.push({ at, server: r() < 0.7 ? main : other });
    }
  }
  return out;
}

async function replay(fairness: number): Promise<{ swaps: number; p95: number }> {
  const plans = ['a', 'b', 'c'].map((id, i) => planOf(id, 2, 4000, i));
  const running = new Map<string, ServerState>();
  const fakeState = (id: string): ServerState => ({ ...stateOf(id, { url: 'http://127.0.0.1:1', port: 1 } as FakeLlama), id, model: `model-${id}` });
  const control: FleetControl = {
    running: () => [...running.values()],
    start: async (p) => {
      await sleep(80); // a model load
      running.set(p.id, fakeState(p.id));
    },
    stop: async (id) => {
      await sleep(5);
      running.delete(id);
    },
    fitCheck: async () => (p, beside) => (beside.filter((id) => id !== p.id).length + 1 <= 2 ? null : 'two models at most'),
    loadsPaused: () => false,
  };
  running.set('a', fakeState('a'));
  const d = new Dispatcher({ control, plans, queueSize: 10_000, fairness, maxWaitMs: 600_000, log: silent, tickMs: 50 });
  const waits: number[] = [];
  const t0 = performance.now();
  const jobs: Promise<void>[] = [];
  for (const req of trace()) {
    const wait = req.at - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
    jobs.push((async () => {
      const asked = performance.now();
      const lease = await d.acquire(req.server, new AbortController().signal);
      waits.push(performance.now() - asked);
      await sleep(16); // the completion
      lease.release();
    })());
  }
  await Promise.all(jobs);
  d.close();
  return { swaps: d.swaps, p95: pct(waits, 95) };
}

async function swaps(): Promise<BenchResult[]> {
  const fcfs = await replay(0);
  const fair = await replay(8);
  return [
    { name: `endpoint trace (240 requests, 3 models, 2 fit): swaps FCFS ${fcfs.swaps}, reordered ${fair.swaps}; reordered as share of FCFS`, value: fcfs.swaps ? (fair.swaps / fcfs.swaps) * 100 : 0, unit: '%', target: 50 },
    { name: 'endpoint trace: p95 wait, first-come-first-served', value: fcfs.p95, unit: 'ms' },
    { name: 'endpoint trace: p95 wait, reordered (fairness 8)', value: fair.p95, unit: 'ms' },
  ];
}

export default async function bench(): Promise<BenchResult[]> {
  return [...(await latency()), ...(await throughput()), ...(await swaps())];
}
