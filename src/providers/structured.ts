// Shared call flow: JSON schema from zod, metering per round trip, one repair round for invalid JSON.
import { z } from 'zod';
import { GthError } from '../util/errors.js';
import { StructuredOutputError } from './errors.js';
import {
  ChatMessage,
  CallMeta,
  addUsage,
  type CallMeter,
  type ChatRequest,
  type ChatResponse,
  type Progress,
  type ProviderKind,
  type RoundTrip,
} from './types.js';

/** What one round trip needs, in provider-neutral form. */
export interface RoundTripRequest {
  messages: ChatMessage[];
  json?: { name: string; schema: Record<string, unknown> };
  maxTokens?: number;
  temperature?: number;
  stream: boolean;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export type RoundTripFn = (req: RoundTripRequest) => Promise<RoundTrip>;

export interface RunContext {
  provider: ProviderKind;
  model: string;
  local: boolean;
  /** Where a local model runs, for the meter's per-device energy. */
  device?: 'gpu' | 'cpu';
  roundTrip: RoundTripFn;
  meter?: CallMeter;
}

/** JSON Schema (draft 2020-12) for a zod schema, without the `$schema` key servers do not want. */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** Parses an answer as JSON, tolerating a Markdown code fence around it. */
export function parseJsonAnswer(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  const body = fenced ? (fenced[1] ?? '') : trimmed;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    return { ok: false, error: `not valid JSON: ${(err as Error).message}` };
  }
}

/** Validates an answer; the error text is what the model reads in the repair round. */
export function validateAnswer(text: string, schema: z.ZodType): { ok: true; value: unknown } | { ok: false; error: string } {
  const parsed = parseJsonAnswer(text);
  if (!parsed.ok) return parsed;
  const result = schema.safeParse(parsed.value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: `does not match the schema:\n${z.prettifyError(result.error)}` };
}

export function repairPrompt(error: string): string {
  return (
    `Your previous answer was rejected: it ${error}\n` +
    'Reply again with only the corrected JSON value that matches the schema, no prose and no code fence.'
  );
}

function checkRequest(req: ChatRequest): void {
  const problems: string[] = [];
  const msgs = z.array(ChatMessage).min(1, 'at least one message is required').safeParse(req.messages);
  if (!msgs.success) problems.push(...msgs.error.issues.map((i) => `messages${i.path.map((p) => `[${String(p)}]`).join('')}: ${i.message}`));
  const meta = CallMeta.safeParse(req.meta);
  if (!meta.success) problems.push(...meta.error.issues.map((i) => `meta.${i.path.join('.')}: ${i.message}`));
  if (problems.length > 0) throw new GthError(`invalid chat request:\n${problems.join('\n')}`);
}

/** Runs a chat: one round trip, plus one repair round when a schema is given and the answer fails it. */
export async function runChat(req: ChatRequest, ctx: RunContext): Promise<ChatResponse> {
  checkRequest(req);
  const name = req.schemaName ?? 'answer';
  const json = req.schema ? { name, schema: toJsonSchema(req.schema) } : undefined;
  const trip = (messages: ChatMessage[]): Promise<RoundTrip> => {
    const run = (): Promise<RoundTrip> =>
      ctx.roundTrip({
        messages,
        json,
        maxTokens: req.maxTokens,
        temperature: req.temperature,
        stream: req.stream ?? false,
        onProgress: req.onProgress,
        signal: req.signal,
      });
    return ctx.meter ? ctx.meter.track({ meta: req.meta, provider: ctx.provider, model: ctx.model, local: ctx.local, ...(ctx.device ? { device: ctx.device } : {}) }, run) : run();
  };

  const first = await trip(req.messages);
  const base = { provider: ctx.provider, model: first.model, ttftMs: first.ttftMs };
  if (!req.schema) return { ...base, text: first.text, usage: first.usage, latencyMs: first.latencyMs, rounds: 1 };

  const v1 = validateAnswer(first.text, req.schema);
  if (v1.ok) return { ...base, text: first.text, json: v1.value, usage: first.usage, latencyMs: first.latencyMs, rounds: 1 };

  const second = await trip([
    ...req.messages,
    { role: 'assistant', content: first.text },
    { role: 'user', content: repairPrompt(v1.error) },
  ]);
  const usage = addUsage(first.usage, second.usage);
  const latencyMs = first.latencyMs + second.latencyMs;
  const v2 = validateAnswer(second.text, req.schema);
  if (v2.ok) return { ...base, model: second.model, text: second.text, json: v2.value, usage, latencyMs, rounds: 2 };
  throw new StructuredOutputError(
    `${ctx.provider} model "${second.model}" gave no valid JSON for schema "${name}" after one repair round: the answer ${v2.error}`,
    second.model,
    second.text,
  );
}
