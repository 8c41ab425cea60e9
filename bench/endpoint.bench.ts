// Benchmark: the fleet endpoint against the stand-in llama-server (fixed token rate): added latency, first-token delay,
// 8-stream throughput vs direct, and swaps/p95 wait of the reordered queue vs first-come-first-served on a 3-model trace.
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { BenchResult } from './run.js';
import { ServerPlan } from '../src/fleet/plan-schema.js';
import { Dispatcher } from '../src/runtime/endpoint/dispatcher.js';
import type { FleetControl } from '../src/runtime/endpoint/fleet-control.js';
import type { ServerState } from '../src/runtime/state-store.js';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const silent = pino({ level: 'silent' });

/** A running `gth runtime up` stand-in: its endpoint, and its llama-server reached directly with the server's key. */
interface FleetProcess {
  endpoint: string;
  upstream: string;
  apiKey: string;
  close(): Promise<void>;
}

const FLEET = resolve(import.meta.dirname, 'endpoint-fleet.ts');

/**
 * The endpoint as a user has it: `gth runtime up`'s pieces (supervisor with its health checks and VRAM polls, the
 * endpoint with its ledger meter) in one process of their own, the stand-in llama-server in another, and this
 * process only the client, which times the same requests sent directly and through the endpoint. The first design
 * ran the proxy inside the client's process: the client's own fetch work and garbage collection then landed between
 * the proxy's steps and counted as "added latency", and the proxy ran without the meter and supervisor it has in use.
 */
async function startFleetProcess(spec: { slots: number; slowMs?: number; reply?: string }): Promise<FleetProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', FLEET, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) ok(out.slice(0, nl));
    });
    child.once('exit', (code) => fail(new Error(`bench fleet process exited (${code}) before it was ready`)));
  });
  const info = JSON.parse(line) as Omit<FleetProcess, 'close'>;
  return {
    ...info,
    close: () => new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
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
  const fleet = await startFleetProcess({ slots: 4 });
  const direct: number[] = [];
  const proxied: number[] = [];
  // Interleaved, so both see the same machine load; the first 50 warm sockets and the JIT.
  for (let i = 0; i < 2050; i++) {
    let t = performance.now();
    await (await post(fleet.upstream, 'x', false, fleet.apiKey)).text();
    const d = performance.now() - t;
    t = performance.now();
    await (await post(fleet.endpoint, 'model-a', false, null)).text();
    const p = performance.now() - t;
    if (i >= 50) {
      direct.push(d);
      proxied.push(p);
    }
  }
  await fleet.close();
  // First token: a stream with 20 ms per token; time to the first content chunk, direct and through the proxy.
  const slow = await startFleetProcess({ slots: 4, slowMs: 20, reply: 'alpha beta gamma' });
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
  await firstToken(slow.upstream, 'x', slow.apiKey); // warm-up, as above
  await firstToken(slow.endpoint, 'model-a', null);
  for (let i = 0; i < 60; i++) {
    ftDirect.push(await firstToken(slow.upstream, 'x', slow.apiKey));
    ftProxied.push(await firstToken(slow.endpoint, 'model-a', null));
  }
  await slow.close();
  return [
    { name: `endpoint: added latency p50 (proxied minus direct, non-streamed; direct p50 ${pct(direct, 50).toFixed(2)} ms)`, value: pct(proxied, 50) - pct(direct, 50), unit: 'ms', target: 1 },
    // The load average is printed: on a shared machine the tail measures the scheduler as much as the proxy
    // (there, `chrt -f 10 node --import tsx bench/run.ts endpoint` as root gives the bench's processes the CPUs first).
    { name: `endpoint: added latency p99 (direct p99 ${pct(direct, 99).toFixed(2)} ms, proxied ${pct(proxied, 99).toFixed(2)} ms; load average ${loadavg()[0]!.toFixed(1)})`, value: pct(proxied, 99) - pct(direct, 99), unit: 'ms', target: 5 },
    { name: 'endpoint: first-token delay added (p50, 20 ms/token stream)', value: pct(ftProxied, 50) - pct(ftDirect, 50), unit: 'ms', target: 2 },
  ];
}

async function throughput(): Promise<BenchResult[]> {
  const reply = Array.from({ length: 300 }, (_, i) => `t${i}`).join(' ');
  const fleet = await startFleetProcess({ slots: 8, slowMs: 5, reply });
  const run = async (base: string, model: string, auth: string | null): Promise<number> => {
    const t = performance.now();
    const chunks = await Promise.all(Array.from({ length: 8 }, async () => {
      const text = await (await post(base, model, true, auth)).text();
      return (text.match(/"content":"t\d+/g) ?? []).length;
    }));
    return chunks.reduce((a, b) => a + b, 0) / ((performance.now() - t) / 1000);
  };
  // One warm-up run each: the endpoint's first streams also load its metering code and warm the JIT.
  await run(fleet.upstream, 'x', fleet.apiKey);
  await run(fleet.endpoint, 'model-a', null);
  const direct: number[] = [];
  const proxied: number[] = [];
  for (let i = 0; i < 3; i++) {
    direct.push(await run(fleet.upstream, 'x', fleet.apiKey));
    proxied.push(await run(fleet.endpoint, 'model-a', null));
  }
  await fleet.close();
  const d = direct.reduce((a, b) => a + b, 0) / direct.length;
  const p = proxied.reduce((a, b) => a + b, 0) / proxied.length;
  return [
    { name: `endpoint: 8 streams, tokens/s direct ${d.toFixed(0)} vs proxied ${p.toFixed(0)}: shortfall`, value: Math.max(0, (1 - p / d) * 100), unit: '%', target: 2 },
  ];
}

function planOf(id: string, slots: number, vramMiB: number, importance: number): ServerPlan {
  return ServerPlan.parse({
    id, model: `model-${id}`, modelFile: `${id}.gguf`, device: 'gpu', roles: ['polecat'], slots, ctxPerSlot: 2048, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0',
    flashAttention: true, gpuLayers: 99, threads: 1, vramMiB, ramMiB: 100, args: [], commandLine: '', importance, tokensPerSecond: 50, tokensPerSecondSource: 'catalog',
  });
}

/** A loaded server for the trace replay: the dispatcher only reads its id and status. */
function stateOf(id: string): ServerState {
  const now = new Date().toISOString();
  return {
    id, model: `model-${id}`, modelPath: `${id}.gguf`, device: 'gpu', pid: process.pid, port: 1, url: 'http://127.0.0.1:1', apiKey: 'k', status: 'ready',
    startedAt: now, readyAt: now, restarts: 0, logFile: '/dev/null', importance: 0, vramMiB: 4000, ramMiB: 100, lastError: null,
  };
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
    const control: FleetControl = {
    running: () => [...running.values()],
    start: async (p) => {
      await sleep(80); // a model load
      running.set(p.id, stateOf(p.id));
    },
    stop: async (id) => {
      await sleep(5);
      running.delete(id);
    },
    fitCheck: async () => (p, beside) => (beside.filter((id) => id !== p.id).length + 1 <= 2 ? null : 'two models at most'),
    loadsPaused: () => false,
  };
  running.set('a', stateOf('a'));
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
