// Model names, role aliases and `<role>:<tokens>`; request bodies checked just enough to route; usage read from answers.
import { describe, expect, it } from 'vitest';
import { ServerPlan } from '../../../../src/fleet/plan-schema.js';
import { listModelNames, modelCards, modelLimits, resolveModel, type ModelTable } from '../../../../src/runtime/endpoint/routing.js';
import { parseCompletionBody } from '../../../../src/runtime/endpoint/request.js';
import { SseUsageTap, usageOfBody } from '../../../../src/runtime/endpoint/usage.js';

const p = (id: string, model: string, roles: ('polecat' | 'refinery' | 'librarian')[], device: 'gpu' | 'cpu' = 'gpu', ctxPerSlot = 1024): ServerPlan => ServerPlan.parse({
  id, model, modelFile: `${id}.gguf`, device, roles, slots: 1, ctxPerSlot, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true,
  gpuLayers: 99, threads: 1, vramMiB: 1, ramMiB: 1, args: [], commandLine: '', importance: 0, tokensPerSecond: 1, tokensPerSecondSource: 'catalog',
});
const table: ModelTable = {
  servers: [p('s3', 'coder-3b', ['polecat']), p('s7', 'coder-7b', ['polecat']), p('r', 'reviewer', ['refinery'], 'cpu')],
  pick: (_role, tokens) => (tokens <= 6000 ? { local: true, model: 'coder-3b', device: 'gpu' } : tokens <= 14000 ? { local: true, model: 'coder-7b', device: 'gpu' } : { local: false, model: 'gemini-3-flash-preview' }),
};

describe('routing', () => {
  it('lists models, then aliases of the roles that have a server', () => {
    expect(listModelNames(table)).toEqual(['coder-3b', 'coder-7b', 'reviewer', 'polecat', 'refinery', 'polecat:<tokens>', 'refinery:<tokens>']);
  });

  it('gives each model and alias its server\'s window per slot, a quarter of it (at most 8192) for the answer', () => {
    const wide: ModelTable = { ...table, servers: [p('s3', 'coder-3b', ['polecat'], 'gpu', 11520), p('big', 'coder-30b', ['polecat'], 'gpu', 65536), p('r', 'reviewer', ['refinery'], 'cpu', 6656)] };
    expect(modelLimits(wide)).toEqual({
      'coder-3b': { context: 11520, output: 2880 }, 'coder-30b': { context: 65536, output: 8192 }, reviewer: { context: 6656, output: 1664 },
      polecat: { context: 11520, output: 2880 }, refinery: { context: 6656, output: 1664 },
    });
  });

  it('lists every routable model (loaded or not) and the aliases as OpenAI model objects', () => {
    const cards = modelCards(table, new Set(['s7']), 1_700_000_000);
    expect(cards.map((c) => c.id)).toEqual(['coder-3b', 'coder-7b', 'reviewer', 'polecat', 'refinery', 'polecat:<tokens>', 'refinery:<tokens>']);
    expect(cards.every((c) => c.object === 'model' && c.created === 1_700_000_000 && c.owned_by === 'gastown-hybrid')).toBe(true);
    expect(cards[0]!.gth).toEqual({ kind: 'model', server: 's3', device: 'gpu', loaded: false });
    expect(cards[1]!.gth).toEqual({ kind: 'model', server: 's7', device: 'gpu', loaded: true });
    expect(cards[3]!.gth).toEqual({ kind: 'alias', role: 'polecat', server: 's3', sized: 'polecat:<tokens>' });
    expect(cards[5]!.gth).toEqual(cards[3]!.gth);
  });

  it('resolves names, aliases and token bands', () => {
    const id = (name: string): string | undefined => {
      const r = resolveModel(name, table);
      return r.ok ? r.server.id : undefined;
    };
    expect(id('coder-7b')).toBe('s7');
    expect(id('polecat')).toBe('s3');
    expect(id('refinery')).toBe('r');
    expect(id('polecat:9000')).toBe('s7');
    expect(id('polecat:<tokens>')).toBe('s3'); // the listed pattern sent verbatim: the plain alias
    expect(id('polecat:<9000>')).toBeUndefined();
    expect(resolveModel('polecat:70000', table)).toMatchObject({ ok: false, status: 404, message: expect.stringContaining('the switcher sends 70000 prompt tokens to the cloud model gemini-3-flash-preview') });
    expect(resolveModel('librarian', table)).toMatchObject({ ok: false, message: expect.stringContaining('no planned server serves the librarian') });
    expect(resolveModel('gpt-4o', table)).toMatchObject({ ok: false, message: expect.stringContaining('models: coder-3b, coder-7b, reviewer, polecat') });
  });
});

describe('parseCompletionBody', () => {
  it('names the field that is wrong', () => {
    expect(parseCompletionBody('[1]', 'chat')).toEqual({ ok: false, param: null, message: 'request body: expected a JSON object' });
    expect(parseCompletionBody('{"model":"m","messages":[]}', 'chat')).toMatchObject({ ok: false, param: 'messages', message: expect.stringContaining("field 'messages'") });
    expect(parseCompletionBody('{"model":"m","messages":[{"content":"x"}]}', 'chat')).toMatchObject({ param: 'messages[0].role', message: expect.stringContaining("field 'messages[0].role'") });
    expect(parseCompletionBody('{"model":"m","messages":[{"role":"user"}],"stream":"yes"}', 'chat')).toMatchObject({ param: 'stream', message: expect.stringContaining("field 'stream'") });
    expect(parseCompletionBody('{"model":"m"}', 'completion')).toMatchObject({ param: 'prompt', message: expect.stringContaining("field 'prompt'") });
    expect(parseCompletionBody('{"messages":[{"role":"user"}]}', 'chat')).toMatchObject({ param: 'model', message: expect.stringContaining("field 'model'") });
    expect(parseCompletionBody('{"model":"m","prompt":"x","stream":true}', 'completion')).toEqual({ ok: true, model: 'm', stream: true });
  });
});

describe('usage', () => {
  it('reads OpenAI usage, else llama-server timings, from a body or from SSE split anywhere', () => {
    expect(usageOfBody('{"usage":{"prompt_tokens":12,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4}}}')).toEqual({ prompt: 12, completion: 5, cached: 4, thinking: 0 });
    expect(usageOfBody('{"timings":{"prompt_n":3,"cache_n":7,"predicted_n":9}}')).toEqual({ prompt: 10, completion: 9, cached: 7, thinking: 0 });
    const sse = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: {"choices":[],"timings":{"prompt_n":6,"predicted_n":2}}\n\ndata: [DONE]\n\n';
    const tap = new SseUsageTap();
    for (let i = 0; i < sse.length; i += 7) tap.push(sse.slice(i, i + 7));
    expect(tap.result()).toEqual({ prompt: 6, completion: 2, cached: 0, thinking: 0 });
    const counted = new SseUsageTap();
    counted.push(sse.split('data: {"choices":[],"timings"')[0]!);
    expect(counted.result()).toEqual({ prompt: 0, completion: 2, cached: 0, thinking: 0 });
  });
});
