// HTTP handler of the stand-in llama-server: the real server's endpoints, shapes and failure modes.
import { appendFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { minimalForSchema } from './json-schema-minimal.js';

export interface ScriptRule {
  /** Regex tested against all message contents joined with "\n". */
  match: string;
  reply: string;
  /** Maximum number of uses; unlimited when absent. */
  times?: number;
}
export interface FakeScript {
  rules: ScriptRule[];
  default?: string;
}

export interface LlamaHandlerOptions {
  script?: FakeScript;
  /** Milliseconds /health answers 503 "Loading model" before turning ready. */
  loadMs?: number;
  /** After this many answered completion requests, onCrash() is called. */
  crashAfter?: number;
  /** Completions never answer. */
  hang?: boolean;
  /** Completions answer malformed bodies. */
  garbage?: boolean;
  /** Delay per streamed token. */
  slowMs?: number;
  apiKey?: string;
  /** Model id reported by /v1/models and in responses (the --alias, else the -m path). */
  model?: string;
  parallel?: number;
  ctxSize?: number;
  /** /metrics answers only when enabled (the real server needs --metrics). */
  metrics?: boolean;
  /** Throughput the stand-in reports in /metrics and timings (tokens/s). */
  genTps?: number;
  promptTps?: number;
  /** JSONL file receiving every request body. */
  requestLog?: string;
  log?: (line: string) => void;
  onCrash?: () => void;
}

export interface LlamaHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Every POST body received, parsed when it was JSON. */
  requests: unknown[];
  isReady(): boolean;
  dispose(): void;
}

interface ChatMessage { role?: string; content?: unknown }
interface ChatBody {
  messages?: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?: { type?: string; json_schema?: { schema?: unknown }; schema?: unknown };
}

const approxTokens = (text: string): number => Math.ceil(text.length / 4);

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  }
  return '';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { error: { code: status, message, type } });
}

/** Splits a reply into token-like pieces (word plus trailing space) for streaming. */
function tokenize(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createLlamaHandler(opts: LlamaHandlerOptions = {}): LlamaHandler {
  const log = opts.log ?? (() => undefined);
  const model = opts.model ?? 'stand-in.gguf';
  const parallel = Math.max(1, opts.parallel ?? 1);
  const ctxSize = opts.ctxSize ?? 4096;
  const genTps = opts.genTps ?? 50;
  const promptTps = opts.promptTps ?? 500;
  const metricsEnabled = opts.metrics ?? true;
  const requests: unknown[] = [];
  const ruleUses = new Map<number, number>();
  const slots = Array.from({ length: parallel }, (_, id) => ({ id, busy: false, task: 0 }));
  const waiting: ((slot: (typeof slots)[number]) => void)[] = [];
  const counters = { promptTokens: 0, predicted: 0, promptSeconds: 0, predictedSeconds: 0, decodes: 0, completions: 0, tasks: 0 };
  // Like the real server, the throughput gauges cover only the tokens since the previous /metrics call.
  const bucket = { prompt: 0, predicted: 0 };
  let ready = (opts.loadMs ?? 0) <= 0;
  let crashed = false;
  const timers = new Set<NodeJS.Timeout>();
  if (!ready) {
    const t = setTimeout(() => {
      ready = true;
    }, opts.loadMs);
    timers.add(t);
  }

  function acquireSlot(): Promise<(typeof slots)[number]> {
    const free = slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      free.task = ++counters.tasks;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => waiting.push(resolve));
  }
  function releaseSlot(slot: (typeof slots)[number]): void {
    const next = waiting.shift();
    if (next) {
      slot.task = ++counters.tasks;
      next(slot);
    } else {
      slot.busy = false;
    }
  }

  function pickReply(body: ChatBody): string {
    const joined = (body.messages ?? []).map((m) => contentText(m.content)).join('\n');
    const rules = opts.script?.rules ?? [];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (!rule) continue;
      const used = ruleUses.get(i) ?? 0;
      if (rule.times !== undefined && used >= rule.times) continue;
      if (new RegExp(rule.match).test(joined)) {
        ruleUses.set(i, used + 1);
        return rule.reply;
      }
    }
    const rf = body.response_format;
    const schema = rf?.type === 'json_schema' ? rf.json_schema?.schema ?? rf.schema : rf?.type === 'json_object' ? rf.schema : undefined;
    if (rf && (rf.type === 'json_schema' || rf.type === 'json_object')) return JSON.stringify(minimalForSchema(schema ?? {}));
    return opts.script?.default ?? 'OK';
  }

  function recordCompletion(promptTokens: number, completionTokens: number): { promptMs: number; predictedMs: number } {
    const promptMs = (promptTokens / promptTps) * 1000;
    const predictedMs = (completionTokens / genTps) * 1000;
    counters.promptTokens += promptTokens;
    counters.predicted += completionTokens;
    counters.promptSeconds += promptMs / 1000;
    counters.predictedSeconds += predictedMs / 1000;
    counters.decodes += completionTokens + 1;
    bucket.prompt += promptTokens;
    bucket.predicted += completionTokens;
    return { promptMs, predictedMs };
  }

  function afterCompletion(): void {
    counters.completions++;
    if (opts.crashAfter !== undefined && counters.completions >= opts.crashAfter && !crashed) {
      crashed = true;
      log('srv    operator(): simulated crash (FAKE_LLAMA_CRASH_AFTER)');
      setImmediate(() => opts.onCrash?.());
    }
  }

  async function chat(body: ChatBody, res: ServerResponse): Promise<void> {
    if (!Array.isArray(body.messages)) {
      sendError(res, 400, 'invalid_request_error', "'messages' is required");
      return;
    }
    if (opts.hang) return; // never answers; the connection stays open
    const slot = await acquireSlot();
    try {
      const id = `chatcmpl-${Math.random().toString(36).slice(2, 14)}`;
      const created = Math.floor(Date.now() / 1000);
      const reply = pickReply(body);
      const promptTokens = approxTokens((body.messages ?? []).map((m) => contentText(m.content)).join('\n'));
      const completionTokens = approxTokens(reply);
      const usage = { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: completionTokens + promptTokens };
      const { promptMs, predictedMs } = recordCompletion(promptTokens, completionTokens);
      const timings = {
        prompt_n: promptTokens, prompt_ms: promptMs, prompt_per_second: promptTps,
        predicted_n: completionTokens, predicted_ms: predictedMs, predicted_per_second: genTps,
      };
      const base = { created, id, model, system_fingerprint: 'b0000-standin', object: 'chat.completion' };
      if (opts.garbage) {
        res.writeHead(200, { 'Content-Type': body.stream ? 'text/event-stream' : 'application/json; charset=utf-8' });
        res.end(body.stream ? 'data: {"choices":[{"delta":{"content":"\u0000\ndata: [DONE\n\n' : '{"choices":[{"message":{"content":<<garbage>>');
        return;
      }
      if (!body.stream) {
        sendJson(res, 200, {
          choices: [{ finish_reason: 'stop', index: 0, message: { role: 'assistant', content: reply } }],
          ...base, usage, timings,
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
        res.write(`data: ${JSON.stringify({ choices, ...base, object: 'chat.completion.chunk', ...extra })}\n\n`);
      };
      chunk([{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }]);
      for (const piece of tokenize(reply)) {
        if (opts.slowMs) await sleep(opts.slowMs);
        if (res.destroyed) return;
        chunk([{ finish_reason: null, index: 0, delta: { content: piece } }]);
      }
      chunk([{ finish_reason: 'stop', index: 0, delta: {} }]);
      if (body.stream_options?.include_usage) chunk([], { usage, timings });
      res.end('data: [DONE]\n\n');
    } finally {
      releaseSlot(slot);
      afterCompletion();
    }
  }

  function metricsText(): string {
    const busy = slots.filter((s) => s.busy).length;
    const lines: [string, string, string, number][] = [
      ['prompt_tokens_total', 'counter', 'Number of prompt tokens processed.', counters.promptTokens],
      ['prompt_seconds_total', 'counter', 'Prompt process time', counters.promptSeconds],
      ['tokens_predicted_total', 'counter', 'Number of generation tokens processed.', counters.predicted],
      ['tokens_predicted_seconds_total', 'counter', 'Predict process time', counters.predictedSeconds],
      ['n_decode_total', 'counter', 'Total number of llama_decode() calls', counters.decodes],
      ['n_tokens_max', 'counter', 'Largest observed n_tokens.', counters.predicted > 0 ? ctxSize / parallel : 0],
      ['prompt_tokens_seconds', 'gauge', 'Average prompt throughput in tokens/s.', bucket.prompt > 0 ? promptTps : 0],
      ['predicted_tokens_seconds', 'gauge', 'Average generation throughput in tokens/s.', bucket.predicted > 0 ? genTps : 0],
      ['requests_processing', 'gauge', 'Number of requests processing.', busy],
      ['requests_deferred', 'gauge', 'Number of requests deferred.', waiting.length],
    ];
    bucket.prompt = 0;
    bucket.predicted = 0;
    return lines.map(([name, type, help, v]) => `# HELP llamacpp:${name} ${help}\n# TYPE llamacpp:${name} ${type}\nllamacpp:${name} ${v}\n`).join('');
  }

  function authorized(req: IncomingMessage): boolean {
    if (!opts.apiKey) return true;
    const header = req.headers.authorization ?? (req.headers['x-api-key'] as string | undefined) ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7) : header;
    return key === opts.apiKey;
  }

  function route(req: IncomingMessage, res: ServerResponse, bodyText: string): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/health' || path === '/v1/health') {
      if (ready) sendJson(res, 200, { status: 'ok' });
      else sendError(res, 503, 'unavailable_error', 'Loading model');
      return;
    }
    if (!authorized(req)) {
      log('srv  log_server_r: unauthorized: Invalid API Key');
      sendError(res, 401, 'authentication_error', 'Invalid API Key');
      return;
    }
    if (!ready) {
      sendError(res, 503, 'unavailable_error', 'Loading model');
      return;
    }
    log(`srv  log_server_r: request: ${req.method} ${path} 127.0.0.1 200`);
    if (req.method === 'GET' && path === '/metrics') {
      if (!metricsEnabled) {
        sendError(res, 501, 'not_supported_error', 'This server does not support metrics endpoint. Start it with `--metrics`');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(metricsText());
      return;
    }
    if (req.method === 'GET' && path === '/slots') {
      sendJson(res, 200, slots.map((s) => ({
        id: s.id, id_task: s.busy ? s.task : -1, n_ctx: Math.floor(ctxSize / parallel), speculative: false, is_processing: s.busy,
        params: { n_predict: -1, temperature: 0.8, stream: false }, next_token: { has_next_token: s.busy, n_remain: -1, n_decoded: 0 },
      })));
      return;
    }
    if (req.method === 'GET' && path === '/props') {
      sendJson(res, 200, {
        default_generation_settings: { id: 0, n_ctx: Math.floor(ctxSize / parallel), is_processing: false, params: { n_predict: -1 } },
        total_slots: parallel, model_path: model, modalities: { vision: false, audio: false },
        chat_template: '{% for message in messages %}{{ message.content }}{% endfor %}', build_info: 'b0000-standin',
      });
      return;
    }
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: model, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'llamacpp', meta: { n_ctx_train: ctxSize, n_vocab: 32000 } }],
      });
      return;
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      let body: ChatBody;
      try {
        body = JSON.parse(bodyText) as ChatBody;
      } catch {
        sendError(res, 400, 'invalid_request_error', 'Failed to parse the request body as JSON');
        return;
      }
      chat(body, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'server_error', String(err));
        else res.destroy();
      });
      return;
    }
    sendError(res, 404, 'not_found_error', 'File Not Found');
  }

  return {
    requests,
    isReady: () => ready,
    dispose: () => {
      for (const t of timers) clearTimeout(t);
    },
    handle(req, res) {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        if (req.method === 'POST') {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep the raw text */
          }
          requests.push(parsed);
          if (opts.requestLog) appendFileSync(opts.requestLog, `${JSON.stringify(parsed)}\n`);
        }
        route(req, res, text);
      });
    },
  };
}
