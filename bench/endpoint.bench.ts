// Benchmark: the fleet endpoint against the stand-in llama-server (fixed token rate): added latency, first-token delay,
// 8-stream throughput vs direct, and swaps/p95 wait of the reordered queue vs first-come-first-served on a 3-model trace.
import { performance } from 'node:perf_hooks';
import type { BenchResult } from './run.js';
import { percentile, replay, type TraceRequest } from '../src/runtime/endpoint/replay.js';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';

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
    { name: `endpoint: added latency p50 (proxied minus direct, non-streamed; direct p50 ${percentile(direct, 50).toFixed(2)} ms)`, value: percentile(proxied, 50) - percentile(direct, 50), unit: 'ms', target: 1 },
    // The load average is printed: on a shared machine the tail measures the scheduler as much as the proxy
    // (there, `chrt -f 10 node --import tsx bench/run.ts endpoint` as root gives the bench's processes the CPUs first).
    { name: `endpoint: added latency p99 (direct p99 ${percentile(direct, 99).toFixed(2)} ms, proxied ${percentile(proxied, 99).toFixed(2)} ms; load average ${loadavg()[0]!.toFixed(1)})`, value: percentile(proxied, 99) - percentile(direct, 99), unit: 'ms', target: 5 },
    { name: 'endpoint: first-token delay added (p50, 20 ms/token stream)', value: percentile(ftProxied, 50) - percentile(ftDirect, 50), unit: 'ms', target: 2 },
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
 * interleaved (ms offsets), each served for 8-24 ms once it has a slot. Any two of the three models fit at once, never all three.
 */
export function trace(): TraceRequest[] {
  const r = rng(15);
  const out: TraceRequest[] = [];
  let at = 0;
  for (let burst = 0; burst < 24; burst++) {
    const main = ['a', 'b', 'c'][burst % 3]!;
    for (let i = 0; i < 10; i++) {
      at += Math.floor(r() * 12);
      const other = ['a', 'b', 'c'][Math.floor(r() * 3)]!;
      out.push({ at, server: r() < 0.7 ? main : other, serviceMs: 8 + Math.floor(r() * 17) });
    }
  }
  return out;
}

/** Stated constants of the replay: a model load, and a stop (ms), on the trace's compressed time scale. */
const LOAD_MS = 80;
const STOP_MS = 5;

/**
 * The trace through the endpoint's own waiting room and scheduler on a virtual clock (replay.ts): the same trace gives
 * the same swaps every run. (On the wall clock, what was queued when a server freed depended on the machine's timing.)
 */
function replayTrace(fairness: number): ReturnType<typeof replay> {
  return replay(trace(), {
    servers: ['a', 'b', 'c'].map((id, i) => ({ id, slots: 2, importance: i })),
    fairness, running: ['a'], loadMs: LOAD_MS, stopMs: STOP_MS,
    fits: (candidate, beside) => beside.filter((id) => id !== candidate).length + 1 <= 2,
  });
}

function swaps(): BenchResult[] {
  const fairness = 8;
  const fcfs = replayTrace(0);
  const fair = replayTrace(fairness);
  const n = trace().length;
  return [
    { name: `endpoint trace (${n} requests, 3 models, 2 fit; virtual clock, load ${LOAD_MS} ms, stop ${STOP_MS} ms): swaps FCFS ${fcfs.swaps}, reordered ${fair.swaps}; reordered as share of FCFS`, value: fcfs.swaps ? (fair.swaps / fcfs.swaps) * 100 : 0, unit: '%', target: 50 },
    { name: 'endpoint trace: p95 wait, first-come-first-served', value: percentile(fcfs.waits, 95), unit: 'ms' },
    { name: `endpoint trace: p95 wait, reordered (fairness ${fairness}; most overtaken request: ${Math.max(...fair.overtaken)} times)`, value: percentile(fair.waits, 95), unit: 'ms' },
  ];
}

export default async function bench(): Promise<BenchResult[]> {
  return [...(await latency()), ...(await throughput()), ...swaps()];
}
