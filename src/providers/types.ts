// The one interface every model call goes through (shaped like openai-agents-js's `Model`).
import { z } from 'zod';
import { Role } from '../beads/schema.js';

export const ChatMessage = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** Who asked: the ledger files every call under its role, bead and convoy. */
export const CallMeta = z.strictObject({
  role: Role,
  beadId: z.string().min(1).optional(),
  convoyId: z.string().min(1).optional(),
  /** Who asked through the fleet endpoint (its API key name or X-Gth-Caller); absent for our own engine. */
  caller: z.string().min(1).optional(),
});
export type CallMeta = z.infer<typeof CallMeta>;

/**
 * Token counts of one call. `prompt` includes `cached`; `completion` is the visible answer and
 * excludes `thinking`, so billable output is completion + thinking.
 */
export const Usage = z.strictObject({
  prompt: z.int().nonnegative(),
  completion: z.int().nonnegative(),
  cached: z.int().nonnegative(),
  thinking: z.int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

export const ProviderKind = z.enum(['gemini', 'openai-compatible']);
export type ProviderKind = z.infer<typeof ProviderKind>;

export interface Progress {
  /** Tokens (or streamed chunks, where the server does not count) received so far. */
  tokens: number;
  /** The answer text received so far. */
  text: string;
}

export interface ChatRequest<S extends z.ZodType = z.ZodType> {
  messages: ChatMessage[];
  /** When set, the answer must be JSON valid against this schema; `json` holds the parsed value. */
  schema?: S;
  /** Name sent with the JSON schema (OpenAI's `json_schema.name`); defaults to "answer". */
  schemaName?: string;
  maxTokens?: number;
  temperature?: number;
  stream?: boolean;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  meta: CallMeta;
}

export interface ChatResponse<T = unknown> {
  text: string;
  json?: T;
  /** Summed over every round trip of the call (a repair round adds its tokens). */
  usage: Usage;
  latencyMs: number;
  /** Time to the first streamed token; only for streamed calls. */
  ttftMs?: number;
  model: string;
  provider: ProviderKind;
  /** Round trips made: 1, or 2 after a repair round. */
  rounds: number;
}

export interface ChatProvider {
  readonly kind: ProviderKind;
  readonly model: string;
  /** True for models running on this PC (their cost is electricity, not tokens). */
  readonly local: boolean;
  chat<S extends z.ZodType>(req: ChatRequest<S> & { schema: S }): Promise<ChatResponse<z.infer<S>>>;
  chat(req: ChatRequest): Promise<ChatResponse>;
}

/** One request/response with the server, before JSON validation and repair. */
export interface RoundTrip {
  text: string;
  usage: Usage;
  latencyMs: number;
  ttftMs?: number;
  /** Model id the server reported (falls back to the configured one). */
  model: string;
}

export const ZERO_USAGE: Usage = { prompt: 0, completion: 0, cached: 0, thinking: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    prompt: a.prompt + b.prompt,
    completion: a.completion + b.completion,
    cached: a.cached + b.cached,
    thinking: a.thinking + b.thinking,
  };
}

/**
 * Wraps every round trip so it can be metered (time, energy, money) into the cost ledger.
 * Defined here, implemented in src/cost, so providers do not depend on the ledger.
 */
export interface CallMeter {
  /** `device`: where a local model runs (its power is metered per device); absent means the GPU. */
  track(call: { meta: CallMeta; provider: ProviderKind; model: string; local: boolean; device?: 'gpu' | 'cpu' }, run: () => Promise<RoundTrip>): Promise<RoundTrip>;
}
