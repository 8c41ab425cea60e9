// Client snippets: each tool gets settings in the form that tool documents (Gas Town's gt, opencode, aider, OpenAI SDKs).
import { describe, expect, it } from 'vitest';
import { clientSnippet } from '../../../../src/runtime/endpoint/client-config.js';

const target = { baseUrl: 'http://127.0.0.1:8080/v1', keyVariable: 'GTH_ENDPOINT_KEY', models: ['Qwen2.5-Coder-3B-Instruct', 'polecat', 'refinery', 'librarian'] };

/** Splits a shell line into words the way sh does for plain double-quoted words (enough for these snippets). */
const words = (line: string): string[] => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

describe('clientSnippet', () => {
  it('gastown: gt custom agents as `gt config agent set <name> "<command line>"` and one role-agent per role', () => {
    const lines = clientSnippet('gastown', target).split('\n');
    const commands = lines.filter((l) => !l.startsWith('#'));
    expect(commands).toEqual([
      'gt config agent set local-polecat "opencode --model gastown/polecat"',
      'gt config agent set local-refinery "opencode --model gastown/refinery"',
      'gt config role-agent polecat local-polecat',
      'gt config role-agent refinery local-refinery',
    ]);
    // gt's `config agent set` takes exactly two arguments (cobra.ExactArgs(2)): the name and the whole command line.
    for (const l of commands.filter((c) => c.startsWith('gt config agent set'))) expect(words(l)).toHaveLength(6);
    expect(lines.some((l) => l.includes('$GTH_ENDPOINT_KEY'))).toBe(true);
    // Without a refinery alias, no refinery agent; on loopback without a key, no key line.
    const polecatOnly = clientSnippet('gastown', { ...target, keyVariable: null, models: ['polecat'] });
    expect(polecatOnly).not.toContain('refinery');
    expect(polecatOnly).not.toContain('key');
  });

  it('opencode: bare JSON with an @ai-sdk/openai-compatible provider, its models, and the key as {env:VAR}', () => {
    const config = JSON.parse(clientSnippet('opencode', target)) as Record<string, unknown> & { provider: { gastown: { npm: string; options: unknown; models: Record<string, unknown> } } };
    expect(config.provider.gastown.npm).toBe('@ai-sdk/openai-compatible');
    expect(config.provider.gastown.options).toEqual({ baseURL: target.baseUrl, apiKey: '{env:GTH_ENDPOINT_KEY}' });
    expect(Object.keys(config.provider.gastown.models)).toEqual(target.models);
    expect(config).toMatchObject({ model: 'gastown/polecat', small_model: 'gastown/librarian' });
  });

  it('aider: OPENAI_API_BASE / OPENAI_API_KEY and openai/-prefixed model names', () => {
    const text = clientSnippet('aider', { ...target, keyVariable: null });
    expect(text).toContain('export OPENAI_API_BASE=http://127.0.0.1:8080/v1');
    expect(text).toContain('export OPENAI_API_KEY="local"');
    expect(text).toContain('aider --model openai/polecat --weak-model openai/librarian --editor-model openai/polecat');
  });
});
