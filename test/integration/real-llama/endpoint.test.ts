// Real llama-server tier behind the fleet endpoint: the openai client by alias, streamed and not, ledger lines, disconnect frees the slot.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerMeter, loadPrices, type LedgerEntry } from '../../../src/cost/index.js';
import { llamaServerArgs } from '../../../src/fleet/command-line.js';
import type { ServerShape } from '../../../src/fleet/estimator.js';
import { ServerPlan } from '../../../src/fleet/plan-schema.js';
import { runtimeSettings } from '../../../src/runtime/config.js';
import { EndpointConfig, startFleetEndpoint, type FleetEndpoint } from '../../../src/runtime/endpoint/index.js';
import { fetchSlots } from '../../../src/runtime/probe.js';
import { readServerStates } from '../../../src/runtime/state-store.js';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import { makeTinyGguf } from '../../support/tiny-gguf.js';
import { ASCII_ONLY, announceSkip, locateRealLlama } from './locate.js';

const real = locateRealLlama();
announceSkip('real llama-server endpoint tier', real.skipReason);
const title = real.skipReason ? `real llama-server behind the endpoint (SKIPPED: ${real.skipReason})` : `real llama-server behind the endpoint (${real.binary})`;
const MODEL = 'tiny-random-llama';
const shape: ServerShape = { device: 'cpu', slots: 1, ctxPerSlot: 1024, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true, nCpuMoe: 0 };
const until = async (cond: () => Promise<boolean>, ms: number): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.skipIf(real.skipReason !== null)(title, { timeout: 120_000 }, () => {
  let dir: string;
  let sup: Supervisor;
  let endpoint: FleetEndpoint;
  let client: OpenAI;
  let ledger: string;
  const entries = (): LedgerEntry[] => (existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerEntry) : []);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gth-real-endpoint-'));
    const modelsDir = join(dir, 'models');
    mkdirSync(modelsDir);
    makeTinyGguf(join(modelsDir, 'tiny.gguf'), real.vocab!);
    const args = llamaServerArgs({ modelPath: 'tiny.gguf', alias: MODEL, shape, gpuLayers: 0, threads: 2, cpuCores: [] });
    const plan = ServerPlan.parse({
      id: 'cpu-tiny', model: MODEL, modelFile: 'tiny.gguf', device: 'cpu', roles: ['librarian'], slots: 1, ctxPerSlot: 1024,
      cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true, gpuLayers: 0, threads: 2, cpuCores: [],
      vramMiB: 0, ramMiB: 300, args, commandLine: 'llama-server ...', importance: 0, tokensPerSecond: 100, tokensPerSecondSource: 'catalog',
    });
    const stateDir = join(dir, 'state');
    const settings = runtimeSettings({ stateDir, modelsDir, binary: real.binary!, readyTimeoutMs: 60_000, healthIntervalMs: 500, stopGraceMs: 5000 });
    const env = { PATH: (process.env.PATH ?? '').split(':').filter((p) => !p.includes('test/doubles')).join(':'), HOME: process.env.HOME, GTH_LOG_LEVEL: 'silent' };
    sup = new Supervisor({ settings, env });
    await sup.init();
    // Not started here: the first request loads it through the endpoint.
    ledger = join(dir, 'ledger.jsonl');
    const meter = new LedgerMeter({ ledgerPath: ledger, prices: loadPrices(), localWatts: 65 });
    endpoint = await startFleetEndpoint({
      sup, stateDir, plans: [plan], config: EndpointConfig.parse({ port: 0 }), meter, log: pino({ level: 'silent' }), env: { GTH_ENDPOINT_KEY: 'real-key' },
    });
    client = new OpenAI({ baseURL: `${endpoint.url}/v1`, apiKey: 'real-key', defaultHeaders: { 'X-Gth-Caller': 'real-tier' } });
  });

  afterAll(async () => {
    await endpoint?.close();
    await sup?.shutdown();
  });

  it('loads the model on the first request and answers by alias, then streams by name', async () => {
    const r = await client.chat.completions.create({ ...ASCII_ONLY, model: 'librarian', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 8 });
    expect(typeof r.choices[0]?.message.content).toBe('string');
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    // Its own caller name, so the two calls' ledger lines are told apart by what they are, not by write order.
    const stream = await client.chat.completions.create(
      { ...ASCII_ONLY, model: MODEL, stream: true, max_tokens: 6, messages: [{ role: 'user', content: 'Count.' }] },
      { headers: { 'X-Gth-Caller': 'real-tier-stream' } },
    );
    let chunks = 0;
    for await (const c of stream) if (c.choices[0]?.delta.content) chunks++;
    expect(chunks).toBeGreaterThan(0);
    // A call that failed anyway (the openai client retries a 5xx by itself) has its own ledger line with its error,
    // which is right (the time was spent) but is not the answer the client got.
    const answered = (caller: string): LedgerEntry | undefined => entries().find((e) => e.caller === caller && e.error === undefined);
    await until(async () => answered('default/real-tier') !== undefined && answered('default/real-tier-stream') !== undefined, 5000);
    const failed = entries().filter((e) => e.error !== undefined);
    if (failed.length) console.warn(`real endpoint tier: attempts the openai client retried: ${JSON.stringify(failed)}`);
    expect(answered('default/real-tier')).toMatchObject({ role: 'librarian', model: MODEL, local: true, tokens: { out: r.usage!.completion_tokens } });
    // Streamed without include_usage: the real server's last chunk carries its timings, which the endpoint reads.
    const b = answered('default/real-tier-stream')!;
    expect(b).toMatchObject({ role: 'librarian', model: MODEL, local: true });
    expect(b.tokens.out).toBeGreaterThan(0);
    expect(b.tokens.in).toBeGreaterThan(0);
  });

  it('frees the real server slot when the client disconnects mid-stream', async () => {
    const [s] = readServerStates(join(dir, 'state'));
    const abort = new AbortController();
    const r = await fetch(`${endpoint.url}/v1/chat/completions`, {
      method: 'POST', signal: abort.signal, headers: { authorization: 'Bearer real-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, max_tokens: 900, ignore_eos: true, messages: [{ role: 'user', content: 'Write a long story.' }] }),
    });
    await r.body!.getReader().read();
    abort.abort();
    await until(async () => !(await fetchSlots(s!.url, s!.apiKey)).some((x) => x.isProcessing), 20_000);
    const after = await client.chat.completions.create({ ...ASCII_ONLY, model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
    expect(after.choices.length).toBe(1);
  });
});
