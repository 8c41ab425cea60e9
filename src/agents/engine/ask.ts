// One model call from a role procedure: text, or JSON validated by the provider (with its repair round).
import type { z } from 'zod';
import type { ChatMessage, CallMeta } from '../../providers/types.js';
import type { ModelChoice } from './router.js';

export async function ask(choice: ModelChoice, messages: ChatMessage[], meta: CallMeta): Promise<string> {
  const res = await choice.provider.chat({ messages, meta });
  return res.text;
}

export async function askJson<S extends z.ZodType>(choice: ModelChoice, messages: ChatMessage[], meta: CallMeta, schema: S, schemaName: string): Promise<z.infer<S>> {
  const res = await choice.provider.chat({ messages, meta, schema, schemaName });
  return res.json as z.infer<S>;
}
