// OpenAI-compatible provider (llama-server's /v1): JSON via response_format json_schema, our own retries.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsBase, ChatCompletionMessage as OpenAIMessage } from 'openai/resources/chat/completions/completions';
import { countTokens } from 'gpt-tokenizer';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ProviderError, throwIfAborted, isConnectionReset, isRetryableStatus, isUnreachable, retryAfterFromHeaders } from './errors.js';
import { withRetry, type RetryPolicy, type Sleep } from './retry.js';
import { runChat, type RoundTripRequest } from './structured.js';
import type { CallMeter, ChatProvider, ChatRequest, ChatResponse, RoundTrip, Usage } from './types.js';

export interface OpenAICompatibleOptions {
  /** Base URL including /v1, e.g. http://127.0.0.1:8080/v1. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** llama-server runs on this PC unless this says otherwise (a remote OpenAI-compatible cloud). */
  local?: boolean;
  /** Where the local model runs (the runtime's server device); the meter charges that device's power. */
  device?: 'gpu' | 'cpu';
  timeoutMs: number;
  retry: RetryPolicy;
  meter?: CallMeter;
  sleep?: Sleep;
  random?: () => number;
  logger?: Logger;
  clock?: () => number;
  /** Extra request headers (e.g. the fleet endpoint's marker that the call is metered here already). */
  headers?: Record<string, string>;
  /** Config paths named in errors. */
  baseUrlSetting?: string;
  keySetting?: string;
}

/** Wire usage as llama-server and OpenAI send it; llama-server adds `timings.cache_n`. */
interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}
interface WireTimings {
  cache_n?: number;
}

export function openaiUsage(u: WireUsage | null | undefined, timings?: WireTimings | null): Usage | undefined {
  if (!u) return undefined;
  const thinking = u.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    prompt: u.prompt_tokens ?? 0,
    completion: Math.max(0, (u.completion_tokens ?? 0) - thinking),
    cached: u.prompt_tokens_details?.cached_tokens ?? timings?.cache_n ?? 0,
    thinking,
  };
}

/**
 * llama-server counts reasoning_content inside completion_tokens without a breakdown; move the
 * counted thinking tokens out of `completion` when the server did not split them itself.
 */
export function splitThinking(u: Usage, thinkingTokens: number): Usage {
  if (u.thinking > 0 || thinkingTokens <= 0) return u;
  const thinking = Math.min(thinkingTokens, u.completion);
  return { ...u, completion: u.completion - thinking, thinking };
}

export class OpenAICompatibleProvider implements ChatProvider {
  readonly kind = 'openai-compatible' as const;
  readonly model: string;
  readonly local: boolean;
  private readonly client: OpenAI;
  private readonly clock: () => number;
  private readonly baseUrlSetting: string;

  constructor(private readonly opts: OpenAICompatibleOptions) {
    this.baseUrlSetting = opts.baseUrlSetting ?? 'providers.local.baseUrl';
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch (err) {
      throw new ProviderError(`${this.baseUrlSetting} is not a URL: "${opts.baseUrl}"`, { provider: 'openai-compatible', model: opts.model, retryable: false, cause: err });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ProviderError(`${this.baseUrlSetting} must be an http(s) URL, got "${opts.baseUrl}"`, { provider: 'openai-compatible', model: opts.model, retryable: false });
    }
    this.model = opts.model;
    this.local = opts.local ?? true;
    this.clock = opts.clock ?? (() => performance.now());
    // maxRetries 0: the SDK's own retries would hide 429/5xx from ours and double the waits.
    this.client = new OpenAI({ baseURL: opts.baseUrl, apiKey: opts.apiKey || 'no-key', maxRetries: 0, timeout: opts.timeoutMs, defaultHeaders: opts.headers });
  }

  chat<S extends z.ZodType>(req: ChatRequest<S> & { schema: S }): Promise<ChatResponse<z.infer<S>>>;
  chat(req: ChatRequest): Promise<ChatResponse>;
  chat(req: ChatRequest): Promise<ChatResponse> {
    return runChat(req, { provider: this.kind, model: this.model, local: this.local, device: this.opts.device, meter: this.opts.meter, roundTrip: (r) => this.roundTrip(r) });
  }

  private params(r: RoundTripRequest): ChatCompletionCreateParamsBase {
    return {
      model: this.model,
      messages: r.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(r.maxTokens !== undefined ? { max_tokens: r.maxTokens } : {}),
      ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
      // llama-server compiles the schema into a grammar, so the answer is constrained while sampling.
      ...(r.json ? { response_format: { type: 'json_schema', json_schema: { name: r.json.name, schema: r.json.schema, strict: true } } } : {}),
    };
  }

  private async roundTrip(r: RoundTripRequest): Promise<RoundTrip> {
    let emitted = false;
    return withRetry(
      async () => {
        const start = this.clock();
        try {
          if (!r.stream) {
            const res = await this.client.chat.completions.create({ ...this.params(r), stream: false }, { signal: r.signal });
            const message = res.choices[0]?.message as (OpenAIMessage & { reasoning_content?: string | null }) | undefined;
            const text = message?.content ?? '';
            const timings = (res as unknown as { timings?: WireTimings }).timings;
            const reasoning = message?.reasoning_content ?? '';
            const usage = splitThinking(openaiUsage(res.usage, timings) ?? this.estimate(r, text, 1), reasoning ? countTokens(reasoning) : 0);
            return { text, usage, latencyMs: this.clock() - start, model: res.model || this.model };
          }
          const stream = await this.client.chat.completions.create(
            { ...this.params(r), stream: true, stream_options: { include_usage: true } },
            { signal: r.signal },
          );
          let text = '';
          let chunks = 0;
          let thinkingChunks = 0;
          let ttftMs: number | undefined;
          let usage: Usage | undefined;
          let model = this.model;
          for await (const chunk of stream) {
            if (chunk.model) model = chunk.model;
            const timings = (chunk as unknown as { timings?: WireTimings }).timings;
            usage = openaiUsage(chunk.usage, timings) ?? usage;
            const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string | null } | undefined;
            // Reasoning models (DeepSeek-R1 distills) stream their thinking as reasoning_content first:
            // report it as progress so a long think does not look like a hang, but keep it out of the text.
            if (delta?.reasoning_content) {
              ttftMs ??= this.clock() - start;
              thinkingChunks++;
              r.onProgress?.({ tokens: chunks + thinkingChunks, text });
            }
            const piece = delta?.content;
            if (piece) {
              ttftMs ??= this.clock() - start;
              text += piece;
              chunks++;
              emitted = true;
              // llama-server sends one token per chunk, so the chunk count is the token count.
              r.onProgress?.({ tokens: chunks + thinkingChunks, text });
            }
          }
          // The SDK ends a stream quietly when its signal aborts; the caller must still see the abort.
          throwIfAborted(r.signal);
          const counted = usage ?? this.estimate(r, text, chunks + thinkingChunks);
          return { text, usage: splitThinking(counted, thinkingChunks), latencyMs: this.clock() - start, ttftMs, model };
        } catch (err) {
          throw this.mapError(err, r.signal);
        }
      },
      this.opts.retry,
      {
        sleep: this.opts.sleep,
        random: this.opts.random,
        onRetry: ({ attempt, delayMs, error }) => this.opts.logger?.warn({ provider: this.kind, model: this.model, attempt, delayMs, status: error.status }, 'retrying model call'),
      },
      { signal: r.signal, canRetry: () => !emitted },
    );
  }

  /** When a server reports no usage, count with a BPE tokenizer so the ledger is not silently zero. */
  private estimate(r: RoundTripRequest, text: string, chunks: number): Usage {
    this.opts.logger?.warn({ model: this.model }, 'server sent no token usage; estimating with a tokenizer');
    const prompt = r.messages.reduce((n, m) => n + countTokens(m.content) + 4, 0);
    return { prompt, completion: Math.max(chunks, text ? countTokens(text) : 0), cached: 0, thinking: 0 };
  }

  private mapError(err: unknown, signal: AbortSignal | undefined): unknown {
    if (err instanceof ProviderError) return err;
    if (err instanceof APIUserAbortError || signal?.aborted) return err;
    const base = { provider: this.kind, model: this.model, cause: err };
    const where = `${this.opts.baseUrl} (${this.baseUrlSetting})`;
    if (err instanceof APIConnectionTimeoutError) {
      return new ProviderError(`model "${this.model}" at ${where} timed out after ${this.opts.timeoutMs} ms (providers.timeoutMs)`, { ...base, retryable: false });
    }
    if (err instanceof APIConnectionError) {
      if (isConnectionReset(err)) return new ProviderError(`connection to ${where} was reset`, { ...base, retryable: true });
      if (isUnreachable(err)) return new ProviderError(`cannot reach an OpenAI-compatible server at ${where}: ${causeText(err)}`, { ...base, retryable: false });
      return new ProviderError(`connection to ${where} failed: ${causeText(err)}`, { ...base, retryable: false });
    }
    if (err instanceof APIError && typeof err.status === 'number') {
      const status = err.status;
      if (status === 401 || status === 403) {
        return new ProviderError(`${where} refused the API key with HTTP ${status} (check ${this.opts.keySetting ?? 'providers.local.apiKeyEnv'})`, { ...base, status, retryable: false });
      }
      if (status === 404) {
        return new ProviderError(`${where} answered HTTP 404 for /chat/completions: is the base URL right (it usually ends in /v1)?`, { ...base, status, retryable: false });
      }
      const retryable = isRetryableStatus(status);
      return new ProviderError(`model "${this.model}" at ${this.opts.baseUrl} failed with HTTP ${status}: ${err.message}`, {
        ...base, status, retryable, retryAfterMs: retryable ? retryAfterFromHeaders(err.headers) : undefined,
      });
    }
    if (isConnectionReset(err)) return new ProviderError(`connection to ${where} was reset mid-answer`, { ...base, retryable: true });
    return new ProviderError(`model "${this.model}" at ${this.opts.baseUrl} failed: ${(err as Error)?.message ?? String(err)}`, { ...base, retryable: false });
  }
}

function causeText(err: Error): string {
  let cur: unknown = err.cause;
  let text = err.message;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    text = `${cur.message}${(cur as { code?: string }).code ? ` (${(cur as { code?: string }).code})` : ''}`;
    cur = cur.cause;
  }
  return text;
}
