// Gemini provider through the real @google/genai SDK, with the REST endpoint mocked by nock.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../src/config/load.js';
import { LedgerMeter } from '../../../src/cost/meter.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { readLedger } from '../../../src/cost/ledger.js';
import { ProvidersConfig } from '../../../src/providers/config.js';
import { ProviderError, StructuredOutputError } from '../../../src/providers/errors.js';
import { createCloudProvider } from '../../../src/providers/factory.js';
import { GeminiProvider } from '../../../src/providers/gemini.js';
import { RetryPolicy } from '../../../src/providers/retry.js';

const HOST = 'https://generativelanguage.googleapis.com';
const PRO = 'gemini-3-pro-preview';
const FLASH = 'gemini-3-flash-preview';
const KEY = 'test-key-not-real';
const meta = { role: 'mayor' as const, beadId: 'ab-7k2f', convoyId: 'cv-launch' };

/** A generateContent body as the API returns it for a thinking model (thought summary part included). */
function body(text: string, usage: { prompt: number; out: number; cached?: number; thoughts?: number }, model = PRO): Record<string, unknown> {
  const thoughts = usage.thoughts ?? 0;
  return {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            { text: '**Weighing the convoy split**\nI should keep the beatmap parser separate.', thought: true },
            { text, thoughtSignature: 'CsgBAdHtim9xY2hhbmdlZC1zaWduYXR1cmU=' },
          ],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: usage.prompt,
      candidatesTokenCount: usage.out,
      totalTokenCount: usage.prompt + usage.out + thoughts,
      ...(usage.cached ? { cachedContentTokenCount: usage.cached, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: usage.cached }] } : {}),
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.prompt }],
      ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    },
    modelVersion: model,
    responseId: 'mJQpabCdEfGhIjKlMnOpQr',
  };
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=UTF-8' };
const fastRetry = RetryPolicy.parse({ maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000 });

function provider(over: Partial<ConstructorParameters<typeof GeminiProvider>[0]> = {}, sleeps: number[] = []): GeminiProvider {
  return new GeminiProvider({
    apiKey: KEY,
    model: PRO,
    thinking: 'high',
    timeoutMs: 10_000,
    retry: fastRetry,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
    modelSetting: 'providers.gemini.models.mayor',
    ...over,
  });
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every mocked Gemini request was made').toEqual([]);
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe('GeminiProvider over HTTP', () => {
  it('sends system, turns, thinking level and key; returns text without thoughts and the four token counts', async () => {
    let sent: Record<string, unknown> = {};
    let keyHeader: string | undefined;
    nock(HOST)
      .post(`/v1beta/models/${PRO}:generateContent`, (b: Record<string, unknown>) => ((sent = b), true))
      .reply(function () {
        keyHeader = this.req.headers['x-goog-api-key'] as string | undefined;
        return [200, body('Split the epic into three convoys.', { prompt: 1234, out: 210, cached: 1024, thoughts: 656 }), JSON_HEADERS];
      });
    const res = await provider().chat({
      messages: [
        { role: 'system', content: 'You are the Mayor.' },
        { role: 'user', content: 'Plan the combo meter epic.' },
        { role: 'assistant', content: 'Which rigs?' },
        { role: 'user', content: 'aerobeat-core only.' },
      ],
      temperature: 0.2,
      maxTokens: 2048,
      meta,
    });
    expect(keyHeader).toBe(KEY);
    expect(sent).toMatchObject({
      contents: [
        { role: 'user', parts: [{ text: 'Plan the combo meter epic.' }] },
        { role: 'model', parts: [{ text: 'Which rigs?' }] },
        { role: 'user', parts: [{ text: 'aerobeat-core only.' }] },
      ],
      systemInstruction: { parts: [{ text: 'You are the Mayor.' }] },
      generationConfig: { temperature: 0.2, maxOutputTokens: 2048, thinkingConfig: { thinkingLevel: 'HIGH' } },
    });
    expect(res.text).toBe('Split the epic into three convoys.');
    expect(res.usage).toEqual({ prompt: 1234, completion: 210, cached: 1024, thinking: 656 });
    expect(res).toMatchObject({ provider: 'gemini', model: PRO, rounds: 1 });
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('asks for JSON with responseMimeType + responseJsonSchema and returns the validated value', async () => {
    const Convoys = z.object({ convoys: z.array(z.object({ name: z.string(), beads: z.int() })) });
    let sent: { generationConfig?: Record<string, unknown> } = {};
    const answer = { convoys: [{ name: 'parser', beads: 3 }, { name: 'ui', beads: 2 }] };
    nock(HOST)
      .post(`/v1beta/models/${PRO}:generateContent`, (b: typeof sent) => ((sent = b), true))
      .reply(200, body(JSON.stringify(answer), { prompt: 300, out: 40, thoughts: 120 }), JSON_HEADERS);
    const res = await provider().chat({ messages: [{ role: 'user', content: 'plan' }], schema: Convoys, schemaName: 'convoys', meta });
    expect(sent.generationConfig?.responseMimeType).toBe('application/json');
    expect(sent.generationConfig?.responseJsonSchema).toMatchObject({
      type: 'object',
      required: ['convoys'],
      properties: { convoys: { type: 'array', items: { type: 'object', required: ['name', 'beads'] } } },
    });
    expect(res.json).toEqual(answer);
    expect(res.usage.thinking).toBe(120);
  });

  it('streams with progress callbacks, time to first token, and the final chunk usage', async () => {
    const chunk = (text: string, done: boolean, out: number): string =>
      `data: ${JSON.stringify({
        candidates: [{ content: { role: 'model', parts: [{ text }] }, ...(done ? { finishReason: 'STOP' } : {}), index: 0 }],
        usageMetadata: { promptTokenCount: 900, candidatesTokenCount: out, totalTokenCount: 900 + out + 300, thoughtsTokenCount: 300 },
        modelVersion: FLASH,
        responseId: 'sTrEaMiD',
      })}\r\n\r\n`;
    const pieces = [chunk('The combo meter ', false, 4), chunk('lives in ', false, 7), chunk('combo.gd.', true, 10)];
    nock(HOST)
      .post(`/v1beta/models/${FLASH}:streamGenerateContent`)
      .query({ alt: 'sse' })
      .reply(200, () => Readable.from(pieces), { 'Content-Type': 'text/event-stream' });
    const seen: { tokens: number; text: string }[] = [];
    const res = await provider({ model: FLASH, thinking: 'low' }).chat({
      messages: [{ role: 'user', content: 'where is the combo meter?' }],
      stream: true,
      onProgress: (p) => seen.push(p),
      meta: { role: 'crew' },
    });
    expect(seen).toEqual([
      { tokens: 4, text: 'The combo meter ' },
      { tokens: 7, text: 'The combo meter lives in ' },
      { tokens: 10, text: 'The combo meter lives in combo.gd.' },
    ]);
    expect(res.text).toBe('The combo meter lives in combo.gd.');
    expect(res.usage).toEqual({ prompt: 900, completion: 10, cached: 0, thinking: 300 });
    expect(res.ttftMs).toBeGreaterThanOrEqual(0);
    expect(res.ttftMs!).toBeLessThanOrEqual(res.latencyMs);
  });

  it("retries a 429 after the RetryInfo delay Google sends, then succeeds", async () => {
    const sleeps: number[] = [];
    nock(HOST)
      .post(`/v1beta/models/${PRO}:generateContent`)
      .reply(429, {
        error: {
          code: 429,
          message: 'You exceeded your current quota, please check your plan and billing details.',
          status: 'RESOURCE_EXHAUSTED',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count', quotaId: 'GenerateContentPaidTierInputTokensPerModelPerMinute' }] },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' },
          ],
        },
      }, JSON_HEADERS)
      .post(`/v1beta/models/${PRO}:generateContent`)
      .reply(200, body('ok', { prompt: 10, out: 1 }), JSON_HEADERS);
    const res = await provider({}, sleeps).chat({ messages: [{ role: 'user', content: 'hi' }], meta });
    expect(res.text).toBe('ok');
    expect(sleeps).toEqual([7000]);
  });

  it('retries 503 with jittered backoff and gives up after maxRetries', async () => {
    const sleeps: number[] = [];
    const overloaded = { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } };
    nock(HOST).post(`/v1beta/models/${PRO}:generateContent`).times(3).reply(503, overloaded, JSON_HEADERS);
    const err = await provider({ random: () => 0.5 }, sleeps).chat({ messages: [{ role: 'user', content: 'hi' }], meta }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/HTTP 503: The model is overloaded/);
    expect((err as Error).message).toMatch(/gave up after 3 attempts/);
    expect(sleeps).toEqual([50, 100]); // 0.5 * 100, 0.5 * 200
  });

  it('repairs invalid JSON once with the validation error, then fails clearly naming the model', async () => {
    const Answer = z.object({ file: z.string(), line: z.int() });
    const sent: { contents: { role: string; parts: { text: string }[] }[] }[] = [];
    nock(HOST)
      .post(`/v1beta/models/${FLASH}:generateContent`, (b: (typeof sent)[number]) => (sent.push(b), true))
      .reply(200, body('{"file": "combo.gd"}', { prompt: 50, out: 8 }, FLASH), JSON_HEADERS)
      .post(`/v1beta/models/${FLASH}:generateContent`, (b: (typeof sent)[number]) => (sent.push(b), true))
      .reply(200, body('{"file": "combo.gd", "line": "forty"}', { prompt: 90, out: 12 }, FLASH), JSON_HEADERS);
    const err = await provider({ model: FLASH }).chat({ messages: [{ role: 'user', content: 'where?' }], schema: Answer, schemaName: 'location', meta: { role: 'crew' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StructuredOutputError);
    expect((err as Error).message).toMatch(new RegExp(`gemini model "${FLASH}" gave no valid JSON for schema "location" after one repair round`));
    expect((err as Error).message).toMatch(/line/);
    const repair = sent[1]!.contents;
    expect(repair.at(-2)).toEqual({ role: 'model', parts: [{ text: '{"file": "combo.gd"}' }] });
    expect(repair.at(-1)!.parts[0]!.text).toMatch(/rejected[\s\S]*line/);
  });

  it('names GEMINI_API_KEY when the key is missing or rejected, and the model setting on 404', async () => {
    const cfg = ProvidersConfig.parse({});
    expect(() => createCloudProvider('mayor', cfg, { env: {} })).toThrow(ConfigError);
    expect(() => createCloudProvider('mayor', cfg, { env: {} })).toThrow(/GEMINI_API_KEY is not set.*providers\.gemini\.apiKeyEnv/);
    expect(createCloudProvider('crew', cfg, { env: { GEMINI_API_KEY: KEY } }).model).toBe(FLASH);

    nock(HOST)
      .post(`/v1beta/models/${PRO}:generateContent`)
      .reply(400, {
        error: {
          code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        },
      }, JSON_HEADERS);
    const sleeps: number[] = [];
    await expect(provider({ keySetting: 'GEMINI_API_KEY' }, sleeps).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(/rejected the API key \(check GEMINI_API_KEY\)/);
    expect(sleeps).toEqual([]);

    nock(HOST)
      .post('/v1beta/models/gemini-9-ultra:generateContent')
      .reply(404, { error: { code: 404, message: 'models/gemini-9-ultra is not found for API version v1beta', status: 'NOT_FOUND' } }, JSON_HEADERS);
    await expect(provider({ model: 'gemini-9-ultra' }).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(/no model "gemini-9-ultra".*providers\.gemini\.models\.mayor/);
  });

  it('meters each call into the ledger, priced by hand from the price table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gth-gemini-ledger-'));
    try {
      const ledger = join(dir, 'ledger.jsonl');
      const meter = new LedgerMeter({ ledgerPath: ledger, prices: loadPrices(), localWatts: 320, now: () => new Date('2026-01-29T10:00:00Z') });
      nock(HOST)
        .post(`/v1beta/models/${PRO}:generateContent`)
        .reply(200, body('plan', { prompt: 1234, out: 210, cached: 1024, thoughts: 656 }), JSON_HEADERS);
      await provider({ meter }).chat({ messages: [{ role: 'user', content: 'plan' }], meta });
      const read = await readLedger(ledger);
      expect(read.problems).toEqual([]);
      expect(read.entries).toHaveLength(1);
      const e = read.entries[0]!;
      expect(e).toMatchObject({
        time: '2026-01-29T10:00:00.000Z', role: 'mayor', bead: 'ab-7k2f', convoy: 'cv-launch', provider: 'gemini', model: PRO, local: false,
        tokens: { in: 1234, out: 210, cached: 1024, thinking: 656 }, energyWh: 0, energySource: 'none',
      });
      // Gemini 3 Pro <=200k: fresh 210 x $2 + cached 1024 x $0.20 + (210 + 656) x $12, per million
      const expected = (210 * 2 + 1024 * 0.2 + 866 * 12) / 1e6;
      expect(e.money.cloudUsd).toBeCloseTo(expected, 10);
      expect(e.money.electricityUsd).toBe(0);
      expect(e.money.totalUsd).toBeCloseTo(0.0110168, 10);
      expect(readFileSync(ledger, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to make a cloud call it cannot price, naming the price file and model', async () => {
    const meter = new LedgerMeter({ ledgerPath: join(tmpdir(), 'never-written.jsonl'), prices: loadPrices(), localWatts: 320 });
    // No nock interceptor: a request would fail with a network error instead of this message.
    await expect(provider({ model: 'gemini-4-hyper', meter }).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(
      /prices\.yml: models\.gemini-4-hyper: no price for model "gemini-4-hyper"/,
    );
  });

  it('retries a connection reset and times out a silent server naming providers.timeoutMs', async () => {
    const sleeps: number[] = [];
    nock(HOST)
      .post(`/v1beta/models/${PRO}:generateContent`)
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .post(`/v1beta/models/${PRO}:generateContent`)
      .reply(200, body('back', { prompt: 5, out: 1 }), JSON_HEADERS);
    expect((await provider({ random: () => 0.5 }, sleeps).chat({ messages: [{ role: 'user', content: 'x' }], meta })).text).toBe('back');
    expect(sleeps).toEqual([50]);

    nock(HOST)
      .post(`/v1beta/models/${PRO}:generateContent`)
      .delay(2_000)
      .reply(200, body('late', { prompt: 5, out: 1 }), JSON_HEADERS);
    const slept: number[] = [];
    await expect(provider({ timeoutMs: 200 }, slept).chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(
      /gemini model "gemini-3-pro-preview" timed out after 200 ms \(providers\.timeoutMs\)/,
    );
    expect(slept).toEqual([]);
  });

  it('reports a blocked prompt, and takes usage from a usage-only last stream chunk', async () => {
    nock(HOST)
      .post(`/v1beta/models/${PRO}:generateContent`)
      .reply(200, { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 }, modelVersion: PRO, responseId: 'bLoCkEd' }, JSON_HEADERS);
    await expect(provider().chat({ messages: [{ role: 'user', content: 'x' }], meta })).rejects.toThrow(/returned no candidate \(prompt blocked: PROHIBITED_CONTENT\)/);

    const sse = (o: unknown): string => `data: ${JSON.stringify(o)}\r\n\r\n`;
    nock(HOST)
      .post(`/v1beta/models/${FLASH}:streamGenerateContent`)
      .query({ alt: 'sse' })
      .reply(200, () => Readable.from([
        sse({ candidates: [{ content: { role: 'model', parts: [{ text: 'All good.' }] }, index: 0 }], modelVersion: FLASH }),
        sse({ usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 3, totalTokenCount: 33 }, modelVersion: FLASH }),
      ]), { 'Content-Type': 'text/event-stream' });
    const res = await provider({ model: FLASH }).chat({ messages: [{ role: 'user', content: 'x' }], stream: true, meta: { role: 'crew' } });
    expect(res.text).toBe('All good.');
    expect(res.usage).toEqual({ prompt: 30, completion: 3, cached: 0, thinking: 0 });
  });
});
