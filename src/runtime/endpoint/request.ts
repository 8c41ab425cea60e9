// Pure: checks a completion request body just enough to route it; the upstream llama-server checks the rest.
export type Kind = 'chat' | 'completion';

/** A refusal names the field (`param`, as OpenAI's error object does) and the form expected. */
export type Parsed = { ok: true; model: string; stream: boolean } | { ok: false; param: string | null; message: string };

const PATHS: Record<string, Kind> = { '/v1/chat/completions': 'chat', '/v1/completions': 'completion' };

export function completionKind(path: string): Kind | null {
  return PATHS[path] ?? null;
}

/** 400 messages name the field and the form expected. */
export function parseCompletionBody(text: string, kind: Kind): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return { ok: false, param: null, message: `request body: not valid JSON (${(err as Error).message})` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, param: null, message: 'request body: expected a JSON object' };
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return { ok: false, param: 'model', message: "field 'model': expected a model name string (GET /v1/models lists them)" };
  if (b.stream !== undefined && typeof b.stream !== 'boolean') return { ok: false, param: 'stream', message: "field 'stream': expected true or false" };
  if (kind === 'chat') {
    if (!Array.isArray(b.messages) || b.messages.length === 0) return { ok: false, param: 'messages', message: "field 'messages': expected a non-empty array of {role, content}" };
    const bad = b.messages.findIndex((m) => typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string');
    if (bad >= 0) return { ok: false, param: `messages[${bad}].role`, message: `field 'messages[${bad}].role': expected a string such as "user"` };
  } else if (typeof b.prompt !== 'string' && !Array.isArray(b.prompt)) {
    return { ok: false, param: 'prompt', message: "field 'prompt': expected a string or an array" };
  }
  return { ok: true, model: b.model, stream: b.stream === true };
}
