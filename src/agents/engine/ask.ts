// One model call from a role procedure: text, or JSON validated by the provider (with its repair round).
import type { z } from 'zod';
import type { ChatMessage, CallMeta } from '../../providers/types.js';
import type { ModelChoice } from './router.js';

export interface CallStats {
  completionTokens: number;
  seconds: number;
  /** Generated tokens per second over the whole call (prompt processing included). */
  tokensPerSecond: number;
}

export async function ask(choice: ModelChoice, messages: ChatMessage[], meta: CallMeta, onStats?: (s: CallStats) => void): Promise<string> {
  const res = await choice.provider.chat({ messages, meta });
  const seconds = res.latencyMs / 1000;
  onStats?.({ completionTokens: res.usage.completion, seconds, tokensPerSecond: seconds > 0 ? res.usage.completion / seconds : 0 });
  return res.text;
}

export async function askJson<S extends z.ZodType>(choice: ModelChoice, messages: ChatMessage[], meta: CallMeta, schema: S, schemaName: string): Promise<z.infer<S>> {
  const res = await choice.provider.chat({ messages, meta, schema, schemaName });
  return res.json as z.infer<S>;
}
