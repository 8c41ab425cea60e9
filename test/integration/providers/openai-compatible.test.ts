// OpenAI-compatible provider with the real `openai` client over HTTP: the stand-in llama-server, and a
// tiny purpose-built server for 429/Retry-After, 5xx and connection resets.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../src/config/load.js';
import { LedgerMeter } from '../../../src/cost/meter.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { readLedger } from '../../../src/cost/ledger.js';
import { ProvidersConfig } from '../../../src/providers/config.js';
import { ProviderError, StructuredOutputError } from '../../../src/providers/errors.js';
import { createLocalProvider } from '../../../src/providers/factory.js';
import { OpenAICompatibleProvider, type OpenAICompatibleOptions } from '../../../src/providers/openai-compatible.js';
import { RetryPolicy } from '../../../src/providers/retry.js';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';

const meta = { role: 'polecat' as const, beadId: 'ab-9x1q', convoyId: 'cv-combo' };
const retry = RetryPolicy.parse({ maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000 });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function llama(opts: Parameters<typeof startFakeLlama>[0] = {}): Promise<FakeLlama> {
  const f = await startFakeLlama(opts);
  cleanups.push(() => f.close());
  return f;
}

function local(baseUrl: string, over: Partial<OpenAICompatibleOptions> = {}, sleeps: number[] = []): OpenAICompatibleProvider {
  return new OpenAICompatibleProvider({
    baseUrl,
    model: 'qwen3-coder-3b',
    timeoutMs: 10_000,
    retry,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
    ...over,
  });
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;

/** A purpose-built server that answers request n with handlers[n] (the last one repeats). */
async function scriptedServer(handlers: Handler[]): Promise<{ url: string; hits: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const h = handlers[Math.min(n, handlers.length - 1)]!;
      n++;
      h(req, res, n, Buffer.concat(parts).toString('utf8'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, hits: () => n };
}

const completion = (content: string): string =>
  JSON.stringify({
    id: 'chatcmpl-1', object: 'chat.completion', created: 1769680000, model: 'qwen3-coder-3b',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 },
    timings: { cache_n: 16, prompt_n: 5, predicted_n: 5 },
  });
const ok = (content = 'done'): Handler => (_q, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(completion(content));
};
const status = (code: number, headers: Record<string, string> = {}): Handler => (_q, res) => {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message: code === 429 ? 'slow down' : 'server busy', type: 'server_error' } }));
};
const reset: Handler = (req) => req.socket.destroy();

describe('OpenAI-compatible provider against the stand-in llama-server', () => {
  it('completes a plain chat with usage from the server', async () => {
    const f = await llama({ script: { rules: [{ match: 'combo meter', reply: 'func add_combo(): pass' }] }, model: 'qwen3-coder-3b' });
    const res = await local(`${f.url}/v1`).chat({
      messages: [{ role: 'system', content: 'You are a Polecat.' }, { role: 'user', content: 'write the combo meter' }],
      maxTokens: 256,
      temperature: 0.1,
      meta,
    });
    expect(res.text).toBe('func add_combo(): pass');
    expect(res).toMatchObject({ provider: 'openai-compatible', model: 'qwen3-coder-3b', rounds: 1 });
    const sent = f.requests[0] as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'qwen3-coder-3b', max_tokens: 256, temperature: 0.1, messages: [{ role: 'system', content: 'You are a Polecat.' }, { role: 'user', content: 'write the combo meter' }] });
    // The stand-in counts ceil(chars / 4) tokens, as its usage block says.
    expect(res.usage.completion).toBe(Math.ceil('func add_combo(): pass'.length / 4));
    expect(res.usage.prompt).toBe(Math.ceil('You are a Polecat.\nwrite the combo meter'.length / 4));
  });

  it('is built from the providers config by the factory, with the key from the named variable', async () => {
    const f = await llama({ apiKey: 'k-123', script: { rules: [], default: 'from config' } });
    const cfg = ProvidersConfig.parse({ local: { baseUrl: `${f.url}/v1`, apiKeyEnv: 'LLAMA_API_KEY' }, retry: { maxRetries: 0 } });
    const p = createLocalProvider('qwen3-coder-7b', cfg, { env: { LLAMA_API_KEY: 'k-123', GTH_LOG_LEVEL: 'silent' } });
    expect(p.local).toBe(true);
    expect((await p.chat({ messages: [{ role: 'user', content: 'x' }], meta })).text).toBe('from config');
    expect((f.requests[0] as { model: string }).model).toBe('qwen3-coder-7b');
  });

  it('streams with a progress callback per token and the usage chunk at the end', async () => {
    const reply = 'extends Node2D and counts hits';
    const f = await llama({ script: { rules: [], default: reply }, slowMs: 5 });
    const seen: { tokens: number; text: string }[] = [];
    const res = await local(`${f.url}/v1`).chat({ messages: [{ role: 'user', content: 'go' }], stream: true, onProgress: (p) => seen.push(p), meta });
    expect(res.text).toBe(reply);
    expect(seen.map((s) => s.tokens)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.at(-1)!.text).toBe(reply);
    expect(seen[1]!.text).toBe('extends Node2D ');
    expect((f.requests[0] as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    expect(res.usage.completion).toBe(Math.ceil(reply.length / 4));
    expect(res.ttftMs).toBeDefined();
    expect(res.ttftMs!).toBeLessThanOrEqual(res.latencyMs);
  });

  it('sends response_format json_schema (strict) built from the zod schema and validates the answer', async () => {
    const Review = z.object({ verdict: z.enum(['approve', 'request-changes']), comments: z.array(z.string()) });
    const f = await llama({ script: { rules: [{ match: 'review', reply: '{"verdict":"approve","comments":["tidy"]}' }] } });
    const res = await local(`${f.url}/v1`).chat({ messages: [{ role: 'user', content: 'review PR 12' }], schema: Review, schemaName: 'review', meta: { role: 'refinery' } });
    expect(res.json).toEqual({ verdict: 'approve', comments: ['tidy'] });
    const rf = (f.requests[0] as { response_format: { type: string; json_schema: { name: string; strict: boolean; schema: Record<string, unknown> } } }).response_format;
    expect(rf.type).toBe('json_schema');
    expect(rf.json_schema.name).toBe('review');
    expect(rf.json_schema.strict).toBe(true);
    expect(rf.json_schema.schema).toMatchObject({ type: 'object', required: ['verdict', 'comments'], properties: { verdict: { enum: ['approve', 'request-changes'] } } });
  });

  it('runs the repair round against the server and then fails clearly', async () => {
    const Fix = z.object({ file: z.string(), patch: z.string() });
    const f = await llama({ script: { rules: [{ match: 'rejected', reply: '{"file":"combo.gd"}' }, { match: 'fix it', reply: 'Sure! Here is the patch.' }] }, model: 'qwen3-coder-7b' });
    const err = await local(`${f.url}/v1`, { model: 'qwen3-coder-7b' }).chat({ messages: [{ role: 'user', content: 'fix it' }], schema: Fix, meta }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StructuredOutputError);
    expect((err as Error).message).toMatch(/model "qwen3-coder-7b" gave no valid JSON for schema "answer" after one repair round/);
    expect((err as Error).message).toMatch(/patch/);
    expect(f.requests).toHaveLength(2);
    const second = (f.requests[1] as { messages: { role: string; content: string }[] }).messages;
    expect(second.at(-1)!.content).toMatch(/not valid JSON/);
  });

  it('meters a local call as electricity from sampled power draw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gth-local-ledger-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const f = await llama({ script: { rules: [], default: 'a b c d' }, slowMs: 30 });
    const ledger = join(dir, 'ledger.jsonl');
    let t = 0;
    const samples: number[] = [];
    // A fake clock that advances 500 ms per reading, and a GPU at a steady 250 W.
    const meter = new LedgerMeter({
      ledgerPath: ledger, prices: loadPrices(), localWatts: 320, sampleMs: 10,
      sampler: async () => { samples.push(250); return 250; },
      clock: () => (t += 500),
    });
    await local(`${f.url}/v1`, { meter }).chat({ messages: [{ role: 'user', content: 'x' }], stream: true, meta });
    const { entries } = await readLedger(ledger);
    expect(entries).toHaveLength(1);
    const e = entries[0]!;
    expect(e).toMatchObject({ local: true, provider: 'openai-compatible', model: 'qwen3-coder-3b', energySource: 'sampled', money: { cloudUsd: 0 } });
    expect(samples.length).toBeGreaterThanOrEqual(2);
    // 250 W held over the span between first and last reading: Wh = 250 x seconds / 3600.
    expect(e.energyWh).toBeGreaterThan(0);
    // The readings span at most the metered call, so the energy is at most 250 W for that long.
    expect(e.energyWh).toBeLessThanOrEqual((250 * e.seconds) / 3600 + 1e-9);
    expect(e.money.electricityUsd).toBeCloseTo((e.energyWh / 1000) * 0.175, 8);
    expect(e.money.totalUsd).toBeCloseTo(e.money.electricityUsd, 8);
  });

  it('honours a 503 "Loading model" from a server still loading, then answers', async () => {
    const f = await llama({ loadMs: 300, script: { rules: [], default: 'ready now' } });
    const sleeps: number[] = [];
    const res = await local(`${f.url}/v1`, { retry: RetryPolicy.parse({ maxRetries: 10, baseDelayMs: 100, maxDelayMs: 200 }), sleep: (ms) => { sleeps.push(ms); return new Promise((r) => setTimeout(r, 100)); } }, sleeps)
      .chat({ messages: [{ role: 'user', content: 'x' }], meta });
    expect(res.text).toBe('ready now');
    expect(sleeps.length).toBeGreaterThanOrEqual(1);
  });

  it('names the API key setting on 401 and the base URL on 404 or a refused connection', async () => {
    const f = await llama({ apiKey: 'sekrit' });
    await expect(local(`${f.url}/v1`, { keySetting: 'LLAMA_API_KEY' }).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(/refused the API key with HTTP 401 \(check LLAMA_API_KEY\)/);
    expect((await local(`${f.url}/v1`, { apiKey: 'sekrit' }).chat({ messages: [{ role: 'user', content: 'x' }], meta })).text).toBe('OK');

    const open = await llama();
    await expect(local(`${open.url}/api`).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(/providers\.local\.baseUrl\) answered HTTP 404.*ends in \/v1/);

    const closed = await scriptedServer([ok()]);
    const port = new URL(closed.url).port;
    await cleanups.pop()!(); // close it: nothing listens on that port now
    const sleeps: number[] = [];
    await expect(local(`http://127.0.0.1:${port}/v1`, {}, sleeps).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(/cannot reach an OpenAI-compatible server at http:\/\/127\.0\.0\.1:\d+\/v1 \(providers\.local\.baseUrl\)/);
    expect(sleeps).toEqual([]);

    expect(() => local('not a url')).toThrow(/providers\.local\.baseUrl is not a URL: "not a url"/);
    expect(() => local('localhost:8080/v1')).toThrow(/providers\.local\.baseUrl must be an http\(s\) URL/);
    expect(() => createLocalProvider('m', ProvidersConfig.parse({ local: { apiKeyEnv: 'LLAMA_API_KEY' } }), { env: {} })).toThrow(ConfigError);
    expect(() => createLocalProvider('m', ProvidersConfig.parse({ local: { apiKeyEnv: 'LLAMA_API_KEY' } }), { env: {} })).toThrow(/LLAMA_API_KEY is not set.*providers\.local\.apiKeyEnv/);
  });
});

describe('retries against a purpose-built server', () => {
  it('waits Retry-After seconds on 429, then succeeds (the SDK itself does not retry)', async () => {
    const s = await scriptedServer([status(429, { 'Retry-After': '2' }), ok('after wait')]);
    const sleeps: number[] = [];
    const res = await local(s.url, {}, sleeps).chat({ messages: [{ role: 'user', content: 'x' }], meta });
    expect(res.text).toBe('after wait');
    expect(sleeps).toEqual([2000]);
    expect(s.hits()).toBe(2);
    expect(res.usage).toEqual({ prompt: 21, completion: 5, cached: 16, thinking: 0 });
  });

  it('reads Retry-After as an HTTP-date', async () => {
    const s = await scriptedServer([(q, r, n, b) => status(429, { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() })(q, r, n, b), ok()]);
    const sleeps: number[] = [];
    await local(s.url, {}, sleeps).chat({ messages: [{ role: 'user', content: 'x' }], meta });
    expect(sleeps).toHaveLength(1);
    // HTTP-dates have one-second resolution, so the wait is within (29 s, 30 s].
    expect(sleeps[0]!).toBeGreaterThan(28_000);
    expect(sleeps[0]!).toBeLessThanOrEqual(30_000);
  });

  it('retries 5xx and connection resets with jittered exponential backoff', async () => {
    const s = await scriptedServer([status(502), reset, status(500), ok('third time lucky')]);
    const sleeps: number[] = [];
    const res = await local(s.url, { random: () => 0.5 }, sleeps).chat({ messages: [{ role: 'user', content: 'x' }], meta });
    expect(res.text).toBe('third time lucky');
    expect(s.hits()).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('does not retry a 400 and says what the server said', async () => {
    const s = await scriptedServer([status(400)]);
    const sleeps: number[] = [];
    const err = await local(s.url, {}, sleeps).chat({ messages: [{ role: 'user', content: 'x' }], meta }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(400);
    expect(s.hits()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('times out a hung server with a message naming providers.timeoutMs', async () => {
    const f = await llama({ hang: true });
    await expect(local(`${f.url}/v1`, { timeoutMs: 300 }).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(/timed out after 300 ms \(providers\.timeoutMs\)/);
  });

  it('keeps reasoning_content out of the text, counts it as thinking, and shows it as progress', async () => {
    const sse = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1769680000, model: 'r1-distill-32b', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
    const s = await scriptedServer([
      (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(sse({ role: 'assistant', content: null }));
        for (const t of ['Check ', 'the ', 'tests.']) res.write(sse({ reasoning_content: t }));
        for (const t of ['LGTM', '.']) res.write(sse({ content: t }));
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1769680000, model: 'r1-distill-32b', choices: [], usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      },
    ]);
    const seen: { tokens: number; text: string }[] = [];
    const res = await local(s.url, { model: 'r1-distill-32b' }).chat({ messages: [{ role: 'user', content: 'review' }], stream: true, onProgress: (p) => seen.push(p), meta: { role: 'refinery' } });
    expect(res.text).toBe('LGTM.');
    expect(res.usage).toEqual({ prompt: 40, completion: 2, cached: 0, thinking: 3 });
    expect(seen.map((p) => p.tokens)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.map((p) => p.text)).toEqual(['', '', '', 'LGTM', 'LGTM.']);
  });

  it('stops at once, without retrying, when the caller aborts', async () => {
    const f = await llama({ script: { rules: [], default: 'one two three four five six seven eight' }, slowMs: 50 });
    const ac = new AbortController();
    const sleeps: number[] = [];
    const p = local(`${f.url}/v1`, {}, sleeps).chat({
      messages: [{ role: 'user', content: 'x' }], stream: true, signal: ac.signal, meta,
      onProgress: (pr) => { if (pr.tokens === 2) ac.abort(); },
    });
    await expect(p).rejects.toThrow(/abort/i);
    expect(sleeps).toEqual([]);
    expect(f.requests).toHaveLength(1);
  });
});
