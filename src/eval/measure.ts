// Measures every model call of an eval run (tokens, time, time to first token) and samples VRAM while it runs.
import type { z } from 'zod';
import type { ChatProvider, ChatRequest, ChatResponse, ProviderKind } from '../providers/types.js';

export interface CallSample {
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  failed: boolean;
}

/**
 * Wraps a provider so each call is recorded. Calls are streamed (when the engine did not choose) so the time
 * to first token can be measured; the prompts, schemas and answers are exactly the engine's.
 */
export class MeasuredProvider implements ChatProvider {
  readonly kind: ProviderKind;
  readonly model: string;
  readonly local: boolean;
  calls: CallSample[] = [];

  constructor(private readonly inner: ChatProvider) {
    this.kind = inner.kind;
    this.model = inner.model;
    this.local = inner.local;
  }

  chat<S extends z.ZodType>(req: ChatRequest<S> & { schema: S }): Promise<ChatResponse<z.infer<S>>>;
  chat(req: ChatRequest): Promise<ChatResponse>;
  async chat(req: ChatRequest): Promise<ChatResponse> {
    const t0 = performance.now();
    try {
      const res = await this.inner.chat({ ...req, stream: req.stream ?? true });
      this.calls.push({
        promptTokens: res.usage.prompt,
        completionTokens: res.usage.completion + res.usage.thinking,
        latencyMs: res.latencyMs,
        ttftMs: res.ttftMs ?? null,
        failed: false,
      });
      return res;
    } catch (err) {
      this.calls.push({ promptTokens: 0, completionTokens: 0, latencyMs: performance.now() - t0, ttftMs: null, failed: true });
      throw err;
    }
  }

  /** Forgets the calls so far (one provider serves many runs). */
  take(): CallSample[] {
    const out = this.calls;
    this.calls = [];
    return out;
  }
}

export interface CallTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** Seconds spent in successful calls. */
  seconds: number;
  /** Completion tokens per second of call time; null without successful calls. */
  tokensPerSecond: number | null;
  /** Mean time to first token of the calls that report one; null when none did. */
  ttftMs: number | null;
}

export function totals(samples: CallSample[]): CallTotals {
  const ok = samples.filter((s) => !s.failed);
  const promptTokens = ok.reduce((n, s) => n + s.promptTokens, 0);
  const completionTokens = ok.reduce((n, s) => n + s.completionTokens, 0);
  const seconds = ok.reduce((n, s) => n + s.latencyMs, 0) / 1000;
  const ttfts = ok.map((s) => s.ttftMs).filter((t): t is number => t !== null);
  return {
    calls: samples.length,
    promptTokens,
    completionTokens,
    seconds,
    tokensPerSecond: seconds > 0 ? completionTokens / seconds : null,
    ttftMs: ttfts.length ? ttfts.reduce((a, b) => a + b, 0) / ttfts.length : null,
  };
}

/** Something that reads the GPU's used memory; null when there is no GPU reading (no nvidia-smi). */
export interface VramReader {
  read(): Promise<{ usedMiB: number } | null>;
}

/** Polls VRAM while a run is going and keeps the peak; null when no reading ever came back. */
export function startVramPeak(reader: VramReader | undefined, intervalMs = 500): { stop(): Promise<number | null> } {
  if (!reader) return { stop: async () => null };
  let peak: number | null = null;
  let pending: Promise<void> = Promise.resolve();
  let busy = false;
  // One reading at a time: a slow nvidia-smi (a loaded machine) must not pile up processes, one per tick.
  const poll = (): void => {
    if (busy) return;
    busy = true;
    pending = reader
      .read()
      .then((r) => {
        if (r) peak = Math.max(peak ?? 0, r.usedMiB);
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      // The last reading: after the one in flight, if any.
      await pending;
      poll();
      await pending;
      return peak;
    },
  };
}
