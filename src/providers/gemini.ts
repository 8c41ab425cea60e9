// Gemini provider over @google/genai: JSON via responseJsonSchema, thinking level per role, our own retries.
import { GoogleGenAI, ApiError, ThinkingLevel, type Content, type GenerateContentConfig, type GenerateContentResponse } from '@google/genai';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ProviderError, throwIfAborted, isConnectionReset, isRetryableStatus, isUnreachable, retryAfterFromGoogleBody } from './errors.js';
import { withRetry, type RetryPolicy, type Sleep } from './retry.js';
import { runChat, type RoundTripRequest } from './structured.js';
import type { CallMeter, ChatProvider, ChatRequest, ChatResponse, RoundTrip, Usage } from './types.js';

export type GeminiThinking = 'minimal' | 'low' | 'medium' | 'high';

export interface GeminiOptions {
  apiKey: string;
  model: string;
  thinking?: GeminiThinking;
  /** Only for tests and proxies; the SDK's default is https://generativelanguage.googleapis.com. */
  baseUrl?: string;
  timeoutMs: number;
  retry: RetryPolicy;
  meter?: CallMeter;
  sleep?: Sleep;
  random?: () => number;
  logger?: Logger;
  clock?: () => number;
  /** Config path named in errors about the model, e.g. "providers.gemini.models.mayor". */
  modelSetting?: string;
  /** Where the key came from, named in key errors, e.g. "GEMINI_API_KEY". */
  keySetting?: string;
}

const LEVELS: Record<GeminiThinking, ThinkingLevel> = {
  minimal: ThinkingLevel.MINIMAL,
  low: ThinkingLevel.LOW,
  medium: ThinkingLevel.MEDIUM,
  high: ThinkingLevel.HIGH,
};

/** Gemini usage: promptTokenCount already includes cachedContentTokenCount; thoughts are separate. */
export function geminiUsage(meta: GenerateContentResponse['usageMetadata']): Usage {
  return {
    prompt: meta?.promptTokenCount ?? 0,
    completion: meta?.candidatesTokenCount ?? 0,
    cached: meta?.cachedContentTokenCount ?? 0,
    thinking: meta?.thoughtsTokenCount ?? 0,
  };
}

/** The answer text of the first candidate, skipping thought summaries. */
export function geminiText(res: GenerateContentResponse): string {
  const parts = res.candidates?.[0]?.content?.parts ?? [];
  return parts.filter((p) => typeof p.text === 'string' && p.thought !== true).map((p) => p.text).join('');
}

export class GeminiProvider implements ChatProvider {
  readonly kind = 'gemini' as const;
  readonly local = false;
  readonly model: string;
  private readonly ai: GoogleGenAI;
  private readonly clock: () => number;

  constructor(private readonly opts: GeminiOptions) {
    if (!opts.apiKey) throw new ProviderError(`no Gemini API key: set ${opts.keySetting ?? 'GEMINI_API_KEY'}`, { provider: 'gemini', model: opts.model, retryable: false });
    this.model = opts.model;
    this.clock = opts.clock ?? (() => performance.now());
    // No retryOptions: the SDK then makes exactly one request, so our retry loop is the only one.
    this.ai = new GoogleGenAI({
      apiKey: opts.apiKey,
      httpOptions: { timeout: opts.timeoutMs, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}) },
    });
  }

  chat<S extends z.ZodType>(req: ChatRequest<S> & { schema: S }): Promise<ChatResponse<z.infer<S>>>;
  chat(req: ChatRequest): Promise<ChatResponse>;
  chat(req: ChatRequest): Promise<ChatResponse> {
    return runChat(req, {
      provider: this.kind,
      model: this.model,
      local: this.local,
      meter: this.opts.meter,
      roundTrip: (r) => this.roundTrip(r),
    });
  }

  private config(r: RoundTripRequest): GenerateContentConfig {
    const system = r.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
    return {
      ...(system ? { systemInstruction: system } : {}),
      ...(r.maxTokens !== undefined ? { maxOutputTokens: r.maxTokens } : {}),
      ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
      ...(r.json ? { responseMimeType: 'application/json', responseJsonSchema: r.json.schema } : {}),
      ...(this.opts.thinking ? { thinkingConfig: { thinkingLevel: LEVELS[this.opts.thinking] } } : {}),
      ...(r.signal ? { abortSignal: r.signal } : {}),
    };
  }

  private async roundTrip(r: RoundTripRequest): Promise<RoundTrip> {
    const contents: Content[] = r.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
    const params = { model: this.model, contents, config: this.config(r) };
    let emitted = false;
    return withRetry(
      async () => {
        const start = this.clock();
        try {
          if (!r.stream) {
            const res = await this.ai.models.generateContent(params);
            return this.finish(res, geminiText(res), start, undefined);
          }
          let text = '';
          let chunks = 0;
          let ttftMs: number | undefined;
          let last: GenerateContentResponse | undefined;
          for await (const chunk of await this.ai.models.generateContentStream(params)) {
            last = chunk;
            const piece = geminiText(chunk);
            if (piece) {
              ttftMs ??= this.clock() - start;
              text += piece;
              chunks++;
              emitted = true;
              r.onProgress?.({ tokens: chunk.usageMetadata?.candidatesTokenCount ?? chunks, text });
            }
          }
          throwIfAborted(r.signal);
          if (!last) throw new Error('the stream ended without any chunk');
          return this.finish(last, text, start, ttftMs);
        } catch (err) {
          throw this.mapError(err, r.signal);
        }
      },
      this.opts.retry,
      {
        sleep: this.opts.sleep,
        random: this.opts.random,
        onRetry: ({ attempt, delayMs, error }) => this.opts.logger?.warn({ provider: 'gemini', model: this.model, attempt, delayMs, status: error.status }, 'retrying model call'),
      },
      { signal: r.signal, canRetry: () => !emitted },
    );
  }

  private finish(res: GenerateContentResponse, text: string, start: number, ttftMs: number | undefined): RoundTrip {
    const candidate = res.candidates?.[0];
    // A stream's last chunk may carry only usage; text already received is the answer then.
    if (!candidate && text === '') {
      const reason = res.promptFeedback?.blockReason;
      throw new ProviderError(`gemini model "${this.model}" returned no candidate${reason ? ` (prompt blocked: ${reason})` : ''}`, {
        provider: 'gemini', model: this.model, retryable: false,
      });
    }
    if (candidate?.finishReason && !['STOP', 'MAX_TOKENS'].includes(candidate.finishReason) && text === '') {
      throw new ProviderError(`gemini model "${this.model}" stopped with ${candidate.finishReason} and no text`, {
        provider: 'gemini', model: this.model, retryable: false,
      });
    }
    return { text, usage: geminiUsage(res.usageMetadata), latencyMs: this.clock() - start, ttftMs, model: res.modelVersion ?? this.model };
  }

  private mapError(err: unknown, signal: AbortSignal | undefined): unknown {
    if (err instanceof ProviderError) return err;
    const base = { provider: 'gemini', model: this.model, cause: err };
    if (signal?.aborted) return err;
    if (err instanceof ApiError) {
      const body = err.message;
      const status = err.status;
      if (status === 400 && /API[_ ]KEY[_ ]INVALID|API key not valid/i.test(body)) {
        return new ProviderError(`Gemini rejected the API key (check ${this.opts.keySetting ?? 'GEMINI_API_KEY'}): HTTP 400`, { ...base, status, retryable: false });
      }
      if (status === 401 || status === 403) {
        return new ProviderError(`Gemini refused the request with HTTP ${status} (check ${this.opts.keySetting ?? 'GEMINI_API_KEY'}): ${brief(body)}`, { ...base, status, retryable: false });
      }
      if (status === 404) {
        return new ProviderError(`Gemini has no model "${this.model}" (HTTP 404; check ${this.opts.modelSetting ?? 'providers.gemini.models'})`, { ...base, status, retryable: false });
      }
      const retryable = isRetryableStatus(status);
      return new ProviderError(`gemini model "${this.model}" failed with HTTP ${status}: ${brief(body)}`, {
        ...base, status, retryable, retryAfterMs: retryable ? retryAfterFromGoogleBody(body) : undefined,
      });
    }
    if ((err as Error)?.name === 'AbortError') {
      return new ProviderError(`gemini model "${this.model}" timed out after ${this.opts.timeoutMs} ms (providers.timeoutMs)`, { ...base, retryable: false });
    }
    if (isConnectionReset(err)) {
      return new ProviderError(`connection to Gemini was reset (model "${this.model}")`, { ...base, retryable: true });
    }
    if (isUnreachable(err)) {
      return new ProviderError(`cannot reach Gemini at ${this.opts.baseUrl ?? 'https://generativelanguage.googleapis.com'} (providers.gemini.baseUrl): ${(err as Error).message}`, { ...base, retryable: false });
    }
    return new ProviderError(`gemini model "${this.model}" failed: ${(err as Error)?.message ?? String(err)}`, { ...base, retryable: false });
  }
}

/** First line of a Google error body: its `error.message` when it parses. */
function brief(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    const inner = parsed.error?.message;
    if (typeof inner === 'string') {
      try {
        const nested = JSON.parse(inner) as { error?: { message?: unknown } };
        if (typeof nested.error?.message === 'string') return nested.error.message;
      } catch {
        return inner;
      }
      return inner;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 300);
}
