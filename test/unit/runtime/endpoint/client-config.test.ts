// Client snippets: each tool gets settings in the form that tool documents (Gas Town's gt, opencode, aider, OpenAI SDKs).
import { describe, expect, it } from 'vitest';
import { clientSnippet, UNKNOWN_LIMIT } from '../../../../src/runtime/endpoint/client-config.js';

const coderLimit = { context: 11520, output: 2880 };
const target = {
  baseUrl: 'http://127.0.0.1:8080/v1', keyVariable: 'GTH_ENDPOINT_KEY', models: ['Qwen2.5-Coder-3B-Instruct', 'polecat', 'refinery', 'librarian'],
  limits: { 'Qwen2.5-Coder-3B-Instruct': coderLimit, polecat: coderLimit, refinery: { context: 6656, output: 1664 } },
};

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
    // Every model has a limit (opencode asks a custom model without one for 0 output tokens): the window where the
    // endpoint says, a small safe one where it does not (librarian here).
    expect(config.provider.gastown.models).toMatchObject({ polecat: { limit: coderLimit }, refinery: { limit: { context: 6656, output: 1664 } }, librarian: { limit: UNKNOWN_LIMIT } });
  });

  it('aider: OPENAI_API_BASE / OPENAI_API_KEY and openai/-prefixed model names', () => {
    const text = clientSnippet('aider', { ...target, keyVariable: null });
    expect(text).toContain('export OPENAI_API_BASE=http://127.0.0.1:8080/v1');
    expect(text).toContain('export OPENAI_API_KEY="local"');
    expect(text).toContain('aider --model openai/polecat --weak-model openai/librarian --editor-model openai/polecat');
    // The heredoc writes aider's model metadata file: litellm's keys under openai/ names, each window, no cost.
    const heredoc = /cat > \.aider\.model\.metadata\.json <<'JSON'\n([\s\S]*?)\nJSON\n/.exec(text);
    expect(heredoc).not.toBeNull();
    const meta = JSON.parse(heredoc![1]!) as Record<string, Record<string, unknown>>;
    expect(Object.keys(meta)).toEqual(target.models.map((m) => `openai/${m}`));
    expect(meta['openai/polecat']).toEqual({
      max_tokens: 2880, max_input_tokens: 11520, max_output_tokens: 2880, input_cost_per_token: 0, output_cost_per_token: 0, litellm_provider: 'openai', mode: 'chat',
    });
  });
});
