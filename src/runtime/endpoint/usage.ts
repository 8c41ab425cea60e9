// Pure: token counts of a proxied completion, read from the upstream body (JSON) or SSE stream as it passes.
import type { Usage } from '../../providers/types.js';

interface UsageFields {
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
  timings?: { prompt_n?: number; predicted_n?: number; cache_n?: number };
}

const n = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? Math.round(x) : undefined);

/** llama-server's OpenAI `usage`, else its own `timings`; null when the body names neither. */
export function usageFrom(body: UsageFields): Usage | null {
  const u = body.usage;
  const t = body.timings;
  const prompt = n(u?.prompt_tokens) ?? (t ? (n(t.prompt_n) ?? 0) + (n(t.cache_n) ?? 0) : undefined);
  const completion = n(u?.completion_tokens) ?? n(t?.predicted_n);
  if (prompt === undefined && completion === undefined) return null;
  const cached = n(u?.prompt_tokens_details?.cached_tokens) ?? n(t?.cache_n) ?? 0;
  return { prompt: prompt ?? 0, completion: completion ?? 0, cached: Math.min(cached, prompt ?? 0), thinking: 0 };
}

/**
 * Watches an SSE stream chunk by chunk without holding it back. Only `data:` lines that mention usage or
 * timings are parsed (the last chunk carries them); the others are counted, one token each, as a fallback.
 */
export class SseUsageTap {
  private rest = '';
  private usage: Usage | null = null;
  private contentEvents = 0;
  /** The stream's `data: [DONE]` went by: a client may hang up right after it, with the answer complete. */
  complete = false;

  push(chunk: Buffer | string): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '[DONE]') this.complete = true;
    if (data === '[DONE]' || data === '') return;
    if (!data.includes('"usage"') && !data.includes('"timings"')) {
      if (data.includes('"content":"') || data.includes('"text":"')) this.contentEvents++;
      return;
    }
    try {
      const u = usageFrom(JSON.parse(data) as UsageFields);
      if (u) this.usage = u;
    } catch {
      /* a malformed event is the client's to see; the count falls back to events */
    }
  }

  result(): Usage {
    if (this.rest) this.line(this.rest);
    this.rest = '';
    return this.usage ?? { prompt: 0, completion: this.contentEvents, cached: 0, thinking: 0 };
  }
}

/** Token counts of a whole non-streamed JSON body; zeros when it does not parse. */
export function usageOfBody(text: string): Usage {
  try {
    return usageFrom(JSON.parse(text) as UsageFields) ?? { prompt: 0, completion: 0, cached: 0, thinking: 0 };
  } catch {
    return { prompt: 0, completion: 0, cached: 0, thinking: 0 };
  }
}
