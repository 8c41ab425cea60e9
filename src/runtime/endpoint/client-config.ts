// Pure: configuration snippets that point other agent tools (opencode, aider, Gas Town, any OpenAI client) at the endpoint.
import type { ModelLimit } from './routing.js';

export const CLIENT_TOOLS = ['opencode', 'aider', 'gastown', 'openai'] as const;
export type ClientTool = (typeof CLIENT_TOOLS)[number];

export interface ClientTarget {
  /** Base URL ending in /v1. */
  baseUrl: string;
  /** The environment variable clients read the key from; null when the endpoint asks for none (loopback). */
  keyVariable: string | null;
  /** Model names and aliases the endpoint serves (no `<tokens>` patterns). */
  models: string[];
  /** Context and answer tokens per model name, from the running endpoint; empty when it is not running. */
  limits: Record<string, ModelLimit>;
}

/**
 * For a name whose window is not known (the endpoint is not running): small enough for any planned slot. opencode
 * needs some limit on a custom provider's model: without one it asks for 0 output tokens, which the AI SDK refuses.
 */
export const UNKNOWN_LIMIT: ModelLimit = { context: 4096, output: 1024 };
const limitOf = (t: ClientTarget, m: string): ModelLimit => t.limits[m] ?? UNKNOWN_LIMIT;

/** aider's model metadata file (litellm's keys, `openai/` names): each window, and no cost, for the local models. */
function aiderMetadata(t: ClientTarget): string {
  const entries = t.models.map((m) => {
    const l = limitOf(t, m);
    return [`openai/${m}`, {
      max_tokens: l.output, max_input_tokens: l.context, max_output_tokens: l.output,
      input_cost_per_token: 0, output_cost_per_token: 0, litellm_provider: 'openai', mode: 'chat',
    }] as const;
  });
  return JSON.stringify(Object.fromEntries(entries), null, 2);
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
        "# each model's window for aider (read from the folder aider starts in): it warns about unknown models otherwise",
        "cat > .aider.model.metadata.json <<'JSON'",
        aiderMetadata(t),
        'JSON',
        `aider --model openai/${main} --weak-model openai/${weak} --editor-model openai/${main}`,
      ].join('\n');
    case 'opencode': {
      const models = Object.fromEntries(t.models.map((m) => [m, { name: m, limit: limitOf(t, m) }]));
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
        ...(t.models.includes('librarian') ? { small_model: 'gastown/librarian' } : {}),
      };
      // Bare JSON, so `> opencode.json` gives a file opencode reads; where it goes is said on stderr.
      return JSON.stringify(config, null, 2);
    }
    case 'gastown': {
      // Checked against Gas Town's own source (github.com/steveyegge/gastown): internal/cmd/config.go takes
      // `gt config agent set <name> <command>` (exactly two arguments; the command line is split on spaces into
      // command and args) and `gt config role-agent <role> <agent>` for the roles mayor, deacon, witness, refinery,
      // polecat, crew; internal/config/agents.go has opencode as a built-in preset that "uses config file for settings".
      const roles = (['polecat', 'refinery'] as const).filter((r) => t.models.includes(r));
      return [
        '# Gas Town (gt): a custom agent per role, running opencode on the local fleet.',
        '# opencode finds the fleet as its provider "gastown": merge `gth runtime env --for opencode` into ~/.config/opencode/opencode.json.',
        ...(t.keyVariable ? [`# opencode reads the key from $${t.keyVariable}: set it in the environment gt starts its agents from.`] : []),
        list,
        ...roles.map((r) => `gt config agent set local-${r} "opencode --model gastown/${r}"`),
        ...roles.map((r) => `gt config role-agent ${r} local-${r}`),
      ].join('\n');
    }
  }
}
