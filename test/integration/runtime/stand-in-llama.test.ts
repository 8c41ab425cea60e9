// The stand-in llama-server speaks the real endpoints (checked through the openai client and raw HTTP).
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';

const BIN = resolve(import.meta.dirname, '../../doubles/bin/llama-server');
let fake: FakeLlama | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('in-process stand-in', () => {
  it('answers scripted replies, plain and streamed, with usage ~ chars/4', async () => {
    fake = await startFakeLlama({
      apiKey: 'k1',
      script: { rules: [{ match: 'ping\\d', reply: 'pong once', times: 1 }, { match: 'ping', reply: 'pong always' }], default: 'dflt' },
    });
    const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'k1' });
    const a = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'ping1' }] });
    expect(a.choices[0]?.message.content).toBe('pong once');
    expect(a.usage?.prompt_tokens).toBe(2);
    const b = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'ping1' }] });
    expect(b.choices[0]?.message.content).toBe('pong always');
    const stream = await client.chat.completions.create({
      model: 'x', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'zz' }, { role: 'user', content: 'hello there' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('dflt');
    expect(usage).toEqual({ prompt_tokens: Math.ceil('zz\nhello there'.length / 4), completion_tokens: 1, total_tokens: 5 });
    expect(fake.requests).toHaveLength(3);
  });

  it('rejects a wrong api key but keeps /health open, and reports 503 while loading', async () => {
    fake = await startFakeLlama({ apiKey: 'secret', loadMs: 300 });
    const h1 = await fetch(`${fake.url}/health`);
    expect(h1.status).toBe(503);
    expect(await h1.json()).toEqual({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    await new Promise((r) => setTimeout(r, 400));
    expect((await fetch(`${fake.url}/health`)).status).toBe(200);
    const denied = await fetch(`${fake.url}/slots`);
    expect(denied.status).toBe(401);
    const slots = await fetch(`${fake.url}/slots`, { headers: { Authorization: 'Bearer secret' } });
    expect(await slots.json()).toMatchObject([{ id: 0, is_processing: false }]);
  });

  it('fills a json_schema response_format with a minimal valid object when no rule matches', async () => {
    fake = await startFakeLlama();
    const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'none' });
    const r = await client.chat.completions.create({
      model: 'x', messages: [{ role: 'user', content: 'q' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'v', schema: { type: 'object', required: ['verdict', 'n'], properties: { verdict: { enum: ['pass', 'fail'] }, n: { type: 'integer', minimum: 2 } } } },
      },
    });
    expect(JSON.parse(r.choices[0]?.message.content ?? '')).toEqual({ verdict: 'pass', n: 2 });
  });

  it('closes after crashAfter completions and marks requests in flight in /slots and /metrics', async () => {
    fake = await startFakeLlama({ slowMs: 100, crashAfter: 2, genTps: 42 });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: true });
    const inflight = fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: true }) });
    const res = await inflight;
    const slots = (await (await fetch(`${fake.url}/slots`)).json()) as { is_processing: boolean }[];
    expect(slots[0]?.is_processing).toBe(true);
    await res.text();
    const metrics = await (await fetch(`${fake.url}/metrics`)).text();
    expect(metrics).toMatch(/^llamacpp:predicted_tokens_seconds 42$/m);
    await (await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', body })).text();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${fake.url}/health`)).rejects.toThrow();
  });
});

describe('standalone stand-in binary', () => {
  it('exits 1 with the real log lines when the model file is missing', async () => {
    const r = await execa(BIN, ['-m', '/nonexistent/model.gguf', '--port', '0', '--unknown-flag'], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("failed to open GGUF file '/nonexistent/model.gguf'");
    expect(r.stderr).toContain('exiting due to model loading error');
  });

  it('logs every request body to FAKE_LLAMA_REQUEST_LOG and answers garbage when told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-'));
    const model = join(dir, 'm.gguf');
    writeFileSync(model, 'GGUF');
    const reqLog = join(dir, 'req.jsonl');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = execa(BIN, ['-m', model, '--port', String(port), '-np', '2', '-c', '8192'], {
      env: { FAKE_LLAMA_REQUEST_LOG: reqLog, FAKE_LLAMA_GARBAGE: '1' }, reject: false,
    });
    try {
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const slots = (await (await fetch(`http://127.0.0.1:${port}/slots`)).json()) as { n_ctx: number }[];
      expect(slots.map((s) => s.n_ctx)).toEqual([4096, 4096]);
      const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'abc' }] }) });
      await expect(r.clone().json()).rejects.toThrow();
      expect(existsSync(reqLog)).toBe(true);
      expect(JSON.parse(readFileSync(reqLog, 'utf8').trim())).toEqual({ messages: [{ role: 'user', content: 'abc' }] });
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    expect((await child).stderr).toContain(`listening on http://127.0.0.1:${port}`);
  });
});
