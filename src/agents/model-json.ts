// Extracts and validates a JSON answer from model text (fenced or bare) against a zod contract.
import type { z } from 'zod';

export type ContractResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** The JSON object in a model answer: a ```json fence, else the outermost {...}. */
export function extractJson(text: string): unknown {
  const fence = /```(?:json|JSON)?\s*\n([\s\S]*?)\n\s*```/.exec(text);
  const candidate = fence ? fence[1]! : text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  if (candidate.trim() === '') throw new Error('the answer contains no JSON object');
  return JSON.parse(candidate);
}

export function zodProblems(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    return `${prefix}${path || '(root)'}: ${i.message}`;
  });
}

/** Parses model text into a contract value, or lists every problem (to send back for one repair). */
export function parseContract<S extends z.ZodType>(schema: S, text: string): ContractResult<z.infer<S>> {
  let data: unknown;
  try {
    data = extractJson(text);
  } catch (err) {
    return { ok: false, problems: [`not valid JSON: ${(err as Error).message}`] };
  }
  const result = schema.safeParse(data);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: zodProblems(result.error) };
}
