// The fleet endpoint over stand-in llama-server processes: the openai client, streaming, aliases, ledger lines, bad input, 429.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { checkExposure, resolveEndpointKeys } from '../../../src/runtime/endpoint/config.js';
import { readServerStates } from '../../../src/runtime/state-store.js';
import { plan, until } from '../runtime/harness.js';
import { chat, startFleet, type Fleet } from './harness.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const coder = plan('coder', { model: 'Qwen2.5-Coder-3B-Instruct', roles: ['polecat'], vramMiB: 2000 });
const reviewer = plan('reviewer', { model: 'DeepSeek-R1-Distill-Qwen-32B', device: 'cpu', roles: ['refinery'], vramMiB: 0, importance: 1 });

describe('fleet endpoint', () => {
  it('answers the openai client by model name and role alias, streamed and not, and meters each call with its caller', async () => {
    fleet = await startFleet({ plans: [coder, reviewer], up: [coder, reviewer], env: { GTH_ENDPOINT_KEY: 'sekret' } });
    const client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: 'sekret', defaultHeaders: { 'X-Gth-Caller': 'opencode' } });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['Qwen2.5-Coder-3B-Instruct', 'DeepSeek-R1-Distill-Qwen-32B', 'polecat', 'refinery', 'polecat:<tokens>', 'refinery:<tokens>']);
    // OpenAI's retrieve: a listed name, and a sized alias that resolves without being listed.
    expect(await client.models.retrieve('refinery')).toMatchObject({ id: 'refinery', object: 'model', gth: { kind: 'alias', server: 'reviewer' } });
    expect(await client.models.retrieve('polecat:3000')).toMatchObject({ id: 'polecat:3000', gth: { kind: 'alias', role: 'polecat', server: 'coder' } });
    expect(await client.models.retrieve('DeepSeek-R1-Distill-Qwen-32B')).toMatchObject({ gth: { kind: 'model', device: 'cpu', loaded: true } });

    // A client that offers every listed id may send the sized pattern verbatim: it gets the role's server.
    await client.chat.completions.create({ model: 'refinery:<tokens>', max_tokens: 4, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'X-Gth-Caller': 'picker' } });
    await until(() => fleet!.entries().length === 1, 5000, 'the verbatim call metered');
    expect(fleet.entries()[0]).toMatchObject({ caller: 'default/picker', role: 'refinery', model: 'DeepSeek-R1-Distill-Qwen-32B' });
    const plain = await client.chat.completions.create({ model: 'polecat', messages: [{ role: 'user', content: 'Say OK' }] });
    expect(plain.choices[0]?.message.content).toBe('OK');
    expect(plain.usage?.completion_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: 'DeepSeek-R1-Distill-Qwen-32B', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'review' }],
    });
    let text = '';
    let chunks = 0;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('OK');
    expect(chunks).toBeGreaterThanOrEqual(3);

    // A ledger line is written once the answer has gone out.
    await until(() => fleet!.entries().length === 3, 5000, 'two more ledger lines');
    const entries = fleet.entries().slice(1);
    expect(entries.map((e) => [e.caller, e.role, e.model, e.local])).toEqual([
      ['default/opencode', 'polecat', 'Qwen2.5-Coder-3B-Instruct', true],
      ['default/opencode', 'refinery', 'DeepSeek-R1-Distill-Qwen-32B', true],
    ]);
    expect(entries[0]!.tokens).toMatchObject({ in: plain.usage!.prompt_tokens, out: plain.usage!.completion_tokens });
    expect(entries[1]!.tokens.out).toBeGreaterThan(0);
    expect(entries.map((e) => e.device)).toEqual(['gpu', 'cpu']); // the reviewer's server runs on the CPU: CPU power
    expect(entries.every((e) => e.seconds > 0 && e.energyWh > 0 && e.error === undefined)).toBe(true);

    const health = await fetch(`${fleet.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', queued: 0, servers: [{ id: 'coder', status: 'ready' }, { id: 'reviewer', status: 'ready' }] });
    const slots = await fetch(`${fleet.url}/models/polecat/slots`, { headers: { Authorization: 'Bearer sekret' } });
    expect(slots.status).toBe(200);
    expect(((await slots.json()) as unknown[]).length).toBe(2);
    const metrics = await fetch(`${fleet.url}/models/Qwen2.5-Coder-3B-Instruct/metrics`, { headers: { Authorization: 'Bearer sekret' } });
    expect(await metrics.text()).toContain('llamacpp:tokens_predicted_total');
  });

  it('resolves polecat:<tokens> through the switcher to a planned server', async () => {
    fleet = await startFleet({ plans: [coder], up: [] });
    // Nothing loaded yet is healthy: the request below loads the model.
    const idle = await fetch(`${fleet.url}/health`);
    expect(idle.status).toBe(200);
    expect(await idle.json()).toMatchObject({ status: expect.stringMatching(/^idle/), loadsPaused: false, servers: [{ id: 'coder', status: 'not loaded' }] });
    const r = await chat(fleet.url, { model: 'polecat:3000' });
    expect(r.status).toBe(200);
    await r.text();
    await until(() => fleet!.entries().length === 1, 5000, 'a ledger line');
    expect(fleet.entries()[0]).toMatchObject({ caller: 'anonymous', model: 'Qwen2.5-Coder-3B-Instruct' });
  });

  it('answers bad input with the status and the field or list the client needs', async () => {
    fleet = await startFleet({ plans: [coder], env: { GTH_ENDPOINT_KEY: 'k' } });
    const auth = { Authorization: 'Bearer k' };
    const unknown = await chat(fleet.url, { model: 'gpt-4o' }, auth);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string; param: string } }).error).toMatchObject({
      message: "model 'gpt-4o' is not served here; models: Qwen2.5-Coder-3B-Instruct, polecat, polecat:<tokens>", param: 'model',
    });
    const retrieveUnknown = await fetch(`${fleet.url}/v1/models/gpt-4o`, { headers: auth });
    expect(retrieveUnknown.status).toBe(404);
    expect(((await retrieveUnknown.json()) as { error: { message: string } }).error.message).toContain('models: Qwen2.5-Coder-3B-Instruct, polecat');
    const badEscape = await fetch(`${fleet.url}/models/%E0%A4%A/slots`, { headers: auth });
    expect(badEscape.status).toBe(400);
    const notJson = await fetch(`${fleet.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: '{"model": ' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { message: string } }).error.message).toMatch(/^request body: not valid JSON/);
    const noMessages = await fetch(`${fleet.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'polecat' }) });
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as { error: { message: string; param: string } }).error).toMatchObject({ param: 'messages', message: expect.stringContaining("field 'messages'") });
    // The OpenAI SDK surfaces the field as the error's param.
    const client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const refused = await client.chat.completions.create({ model: 'polecat', messages: [{ content: 'x' } as never] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages[0].role');
    const noModel = await fetch(`${fleet.url}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ prompt: 'x' }) });
    expect(((await noModel.json()) as { error: { message: string } }).error.message).toContain("field 'model'");
    expect((await chat(fleet.url, { model: 'polecat' }, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await chat(fleet.url, { model: 'polecat' })).status).toBe(401);
    expect(fleet.entries()).toEqual([]); // nothing reached a model
  });

  it('refuses to listen beyond loopback without a key, naming the setting', () => {
    expect(() => checkExposure('0.0.0.0', new Map())).toThrow(/runtime\.endpoint\.host is 0\.0\.0\.0 .*set GTH_ENDPOINT_KEY or runtime\.endpoint\.keys/);
    expect(() => checkExposure('0.0.0.0', new Map([['k', 'default']]))).not.toThrow();
    expect(() => resolveEndpointKeys({ keys: { aider: 'AIDER_KEY' } }, {})).toThrow('runtime.endpoint.keys.aider: environment variable AIDER_KEY is not set');
    expect(resolveEndpointKeys({ keys: { aider: 'AIDER_KEY' } }, { AIDER_KEY: 'a1', GTH_ENDPOINT_KEY: 'd' })).toEqual(new Map([['a1', 'aider'], ['d', 'default']]));
  });

  it('answers 429 with Retry-After when the queue is full', async () => {
    const one = plan('coder', { ...coder, slots: 1 });
    fleet = await startFleet({ plans: [one], endpoint: { queueSize: 1, retryAfterSeconds: 7 }, env: { FAKE_LLAMA_SLOW_MS: '1500' } });
    const busy = chat(fleet.url, { model: 'polecat', stream: true }).then((r) => r.text());
    await until(() => fleet!.endpoint.dispatcher.inflightOn('coder') === 1, 5000, 'first request in flight');
    const queued = chat(fleet.url, { model: 'polecat' });
    await until(() => fleet!.endpoint.dispatcher.queued === 1, 5000, 'second request queued');
    const full = await chat(fleet.url, { model: 'polecat' });
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('7');
    expect(((await full.json()) as { error: { message: string } }).error.message).toBe('the queue is full (1 requests waiting); retry later');
    expect(await busy).toContain('data: [DONE]');
    expect((await queued).status).toBe(200);
  });

  it('frees the slot when a client disconnects mid-stream', async () => {
    const one = plan('coder', { ...coder, slots: 1 });
    // A token every 2 s: the client leaves well before the answer could end, however busy the machine is.
    fleet = await startFleet({ plans: [one], env: { FAKE_LLAMA_SLOW_MS: '2000' } });
    const [s] = readServerStates(fleet.box.stateDir);
    const abort = new AbortController();
    const r = await chat(fleet.url, { model: 'polecat', stream: true, messages: [{ role: 'user', content: 'long' }] }, {}, abort.signal);
    const reader = r.body!.getReader();
    await reader.read(); // first chunk arrived: the request holds the only slot
    expect(fleet.endpoint.dispatcher.inflightOn('coder')).toBe(1);
    abort.abort();
    await until(() => fleet!.endpoint.dispatcher.inflightOn('coder') === 0, 5000, 'endpoint slot released');
    await until(async () => {
      const slots = (await (await fetch(`${s!.url}/slots`, { headers: { Authorization: `Bearer ${s!.apiKey}` } })).json()) as { is_processing: boolean }[];
      return !slots[0]!.is_processing;
    }, 10_000, 'upstream slot freed');
    await until(() => fleet!.entries().length === 1, 5000, 'a ledger line');
    expect(fleet.entries()[0]?.error).toMatch(/client disconnected/);
  });
});
