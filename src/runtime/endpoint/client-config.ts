// Pure: configuration snippets that point other agent tools (opencode, aider, Gas Town, any OpenAI client) at the endpoint.
export const CLIENT_TOOLS = ['opencode', 'aider', 'gastown', 'openai'] as const;
export type ClientTool = (typeof CLIENT_TOOLS)[number];

export interface ClientTarget {
  /** Base URL ending in /v1. */
  baseUrl: string;
  /** The environment variable clients read the key from; null when the endpoint asks for none (loopback). */
  keyVariable: string | null;
  /** Model names and aliases the endpoint serves (no `<tokens>` patterns). */
  models: string[];
}

const pick = (models: string[], want: string): string => (models.includes(want) ? want : (models[0] ?? want));

export function clientSnippet(tool: ClientTool, t: ClientTarget): string {
  const key = t.keyVariable ? `$${t.keyVariable}` : 'local';
  const main = pick(t.models, 'polecat');
  const weak = pick(t.models, 'librarian');
  const list = `# models: ${t.models.join(', ')} (and polecat:<prompt tokens> to let the switcher choose by size)`;
  switch (tool) {
    case 'openai':
      return [list, `export OPENAI_BASE_URL=${t.baseUrl}`, `export OPENAI_API_KEY="${key}"`, `# model: ${main}`].join('\n');
    case 'aider':
      return [
        list,
        `export OPENAI_API_BASE=${t.baseUrl}`,
        `export OPENAI_API_KEY="${key}"`,
        `aider --model openai/${main} --weak-model openai/${weak} --editor-model openai/${main}`,
      ].join('\n');
    case 'opencode': {
      const models = Object.fromEntries(t.models.map((m) => [m, { name: m }]));
      const config = {
        $schema: 'https://opencode.ai/config.json',
        provider: {
          gastown: {
            npm: '@ai-sdk/openai-compatible',
            name: 'Gas Town local fleet',
            options: { baseURL: t.baseUrl, apiKey: t.keyVariable ? `{env:${t.keyVariable}}` : 'local' },
            models,
          },
        },
        model: `gastown/${main}`,
      };
      return `// opencode.json (project root or ~/.config/opencode/opencode.json)\n${JSON.stringify(config, null, 2)}`;
    }
    case 'gastown':
      return [
        '# Gas Town custom agents: an OpenAI-compatible agent CLI pointed at the local fleet, one per role.',
        '# (opencode reads the provider written by `gth runtime env --for opencode`.)',
        list,
        `export OPENAI_BASE_URL=${t.baseUrl}`,
        `export OPENAI_API_KEY="${key}"`,
        ...['polecat', 'refinery'].filter((r) => t.models.includes(r)).flatMap((r) => [
          `gt config agent set local-${r} command "opencode"`,
          `gt config agent set local-${r} args "--model gastown/${r}"`,
        ]),
        ...(t.models.includes('polecat') ? ['gt config default-agent local-polecat'] : []),
      ].join('\n');
  }
}
