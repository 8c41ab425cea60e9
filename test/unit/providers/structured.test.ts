import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { StructuredOutputError } from '../../../src/providers/errors.js';
import { parseJsonAnswer, toJsonSchema, validateAnswer } from '../../../src/providers/structured.js';
import { ScriptedProvider } from '../../support/scripted-provider.js';

const Plan = z.object({ title: z.string(), beads: z.array(z.string()).min(1) });
const meta = { role: 'mayor' as const, beadId: 'ab-1234', convoyId: 'cv-1' };

describe('JSON answers', () => {
  it('builds a JSON schema without $schema for the wire', () => {
    const s = toJsonSchema(Plan);
    expect(s.$schema).toBeUndefined();
    expect(s).toMatchObject({ type: 'object', required: ['title', 'beads'], additionalProperties: false });
  });
  it('accepts a fenced answer and reports unparsable text', () => {
    expect(parseJsonAnswer('```json\n{"a":1}\n```')).toEqual({ ok: true, value: { a: 1 } });
    const bad = parseJsonAnswer('{"a":');
    expect(bad.ok).toBe(false);
  });
  it('names the failing field in the validation error', () => {
    const v = validateAnswer('{"title":"x","beads":[]}', Plan);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/beads/);
  });
});

describe('repair round', () => {
  it('feeds the validation error back once and returns the repaired value with summed usage', async () => {
    const p = new ScriptedProvider({ replies: ['{"title": "Rhythm combo"}', '{"title": "Rhythm combo", "beads": ["parse beatmap"]}'] });
    const res = await p.chat({ messages: [{ role: 'user', content: 'plan the combo meter' }], schema: Plan, meta });
    expect(res.json).toEqual({ title: 'Rhythm combo', beads: ['parse beatmap'] });
    expect(res.rounds).toBe(2);
    expect(p.requests).toHaveLength(2);
    const repair = p.requests[1]!.messages;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: '{"title": "Rhythm combo"}' });
    expect(repair.at(-1)!.role).toBe('user');
    expect(repair.at(-1)!.content).toMatch(/does not match the schema/);
    expect(repair.at(-1)!.content).toMatch(/beads/);
    // word tokens: round 1 prompt 4 + completion 3; round 2 prompt 4+3+repair words, completion 6
    const repairWords = repair.at(-1)!.content.trim().split(/\s+/).length;
    expect(res.usage).toEqual({ prompt: 4 + (4 + 3 + repairWords), completion: 3 + 6, cached: 0, thinking: 0 });
    expect(p.requests[0]!.json?.name).toBe('answer');
  });

  it('does not repair a valid first answer', async () => {
    const p = new ScriptedProvider({ replies: ['{"title":"t","beads":["a"]}'] });
    const res = await p.chat({ messages: [{ role: 'user', content: 'x' }], schema: Plan, schemaName: 'plan', meta });
    expect(res.rounds).toBe(1);
    expect(p.requests[0]!.json?.name).toBe('plan');
    // With a schema, `json` carries the schema's type.
    expectTypeOf(res.json).toEqualTypeOf<{ title: string; beads: string[] } | undefined>();
  });

  it('fails clearly, naming the model and the error, when the repair is invalid too', async () => {
    const p = new ScriptedProvider({ model: 'qwen3-coder-7b', replies: ['not json', '{"title": 5}'] });
    const err = await p.chat({ messages: [{ role: 'user', content: 'x' }], schema: Plan, schemaName: 'plan', meta }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StructuredOutputError);
    expect((err as Error).message).toMatch(/"qwen3-coder-7b"/);
    expect((err as Error).message).toMatch(/schema "plan" after one repair round/);
    expect((err as Error).message).toMatch(/title/);
    expect((err as StructuredOutputError).lastText).toBe('{"title": 5}');
    expect(p.requests).toHaveLength(2);
  });

  it('rejects a request without messages or with a bad role before calling the model', async () => {
    const p = new ScriptedProvider({ replies: ['x'] });
    await expect(p.chat({ messages: [], meta })).rejects.toThrow(/at least one message/);
    await expect(p.chat({ messages: [{ role: 'user', content: 'x' }], meta: { role: 'janitor' as never } })).rejects.toThrow(/meta\.role/);
    expect(p.requests).toHaveLength(0);
  });
});
