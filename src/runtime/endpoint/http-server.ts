// The fleet's one OpenAI-compatible endpoint: auth, routing by model or role alias, queueing, proxying, metering.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Role } from '../../beads/schema.js';
import type { CallMeter, RoundTrip } from '../../providers/types.js';
import type { FleetControl } from './fleet-control.js';
import { listenError, type EndpointConfig } from './config.js';
import { Dispatcher, NotServedError, QueueFullError } from './dispatcher.js';
import { forward, type Forwarded } from './proxy.js';
import { completionKind, parseCompletionBody } from './request.js';
import { modelCard, modelCards, resolveModel, type ModelTable } from './routing.js';
import { METERED_HEADER } from './state.js';

export interface EndpointOptions {
  control: FleetControl;
  table: ModelTable;
  config: Pick<EndpointConfig, 'host' | 'port' | 'queueSize' | 'fairness' | 'maxWaitMs' | 'retryAfterSeconds'>;
  /** Key value -> caller name; empty means no key is asked for (loopback only, checked by the caller). */
  keys: ReadonlyMap<string, string>;
  /** Writes one ledger line per completion; absent: not metered. */
  meter?: CallMeter;
  log: Logger;
}

const MAX_BODY = 32 * 1024 * 1024;
const EXTRAS = new Set(['tokenize', 'detokenize', 'slots', 'metrics', 'props', 'health', 'apply-template', 'embedding', 'embeddings', 'infill']);

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** OpenAI's error object (message, type, param) with llama-server's numeric code, so either kind of client reads it. */
function sendError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}, param: string | null = null): void {
  sendJson(res, status, { error: { code: status, type, message, param } }, headers);
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** A model name from the path; null when its percent-encoding is malformed (a 400, not a 500). */
function pathName(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

const safeEqual = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export class FleetEndpoint {
  readonly dispatcher: Dispatcher;
  private server: Server | null = null;
  /** `created` of every model card: when this endpoint started (seconds). */
  private readonly created = Math.floor(Date.now() / 1000);
  url = '';

  constructor(private readonly o: EndpointOptions) {
    this.dispatcher = new Dispatcher({
      control: o.control, plans: o.table.servers, queueSize: o.config.queueSize, fairness: o.config.fairness, maxWaitMs: o.config.maxWaitMs, log: o.log,
    });
  }

  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.o.log.error({ err: (err as Error).message }, 'endpoint request failed');
        if (!res.headersSent) sendError(res, 500, 'server_error', (err as Error).message);
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(this.o.config.host, this.o.config.port, err)));
      server.listen(this.o.config.port, this.o.config.host, () => resolve());
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.dispatcher.close();
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private loaded(): Set<string> {
    return new Set(this.o.control.running().filter((s) => s.status === 'ready').map((s) => s.id));
  }

  /** The caller's key name, or undefined when the key is wrong; null when no key is asked for. */
  private keyName(req: IncomingMessage): string | null | undefined {
    if (this.o.keys.size === 0) return null;
    const header = req.headers.authorization ?? (req.headers['x-api-key'] as string | undefined) ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7).trim() : header.trim();
    for (const [value, name] of this.o.keys) if (safeEqual(key, value)) return name;
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/health') {
      this.health(res);
      return;
    }
    const keyed = this.keyName(req);
    if (keyed === undefined) {
      sendError(res, 401, 'authentication_error', 'missing or wrong API key (Authorization: Bearer <key>)');
      return;
    }
    const header = typeof req.headers['x-gth-caller'] === 'string' ? req.headers['x-gth-caller'].replace(/[^\w.@:/-]/g, '').slice(0, 64) : '';
    const caller = header ? (keyed ? `${keyed}/${header}` : header) : (keyed ?? 'anonymous');
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      sendJson(res, 200, { object: 'list', data: modelCards(this.o.table, this.loaded(), this.created) });
      return;
    }
    // /v1/models/<model> (OpenAI's retrieve) and /models/<model>/<extra> (that model's llama-server).
    const m = /^\/(v1\/)?models\/([^/]+)(?:\/([a-z-]+))?$/.exec(path);
    if (m) {
      const model = pathName(m[2]!);
      if (model === null) {
        sendError(res, 400, 'invalid_request_error', `path ${path}: the model name is not valid percent-encoding`, {}, 'model');
        return;
      }
      if (m[3] === undefined && req.method === 'GET') {
        const found = modelCard(model, this.o.table, this.loaded(), this.created);
        if (found.card) sendJson(res, 200, found.card);
        else sendError(res, 404, 'model_not_found', found.why, {}, 'model');
        return;
      }
      if (m[1] === undefined && m[3] !== undefined && EXTRAS.has(m[3])) {
        await this.extra(model, m[3], req, res);
        return;
      }
    }
    const kind = completionKind(path);
    if (!kind) {
      sendError(res, 404, 'not_found_error', `no route ${req.method} ${path}; try GET /v1/models, GET /v1/models/<model>, POST /v1/chat/completions, POST /v1/completions, GET /models/<model>/{tokenize,slots,metrics}, GET /health`);
      return;
    }
    if (req.method !== 'POST') {
      sendError(res, 405, 'invalid_request_error', `${path} takes POST`, { allow: 'POST' });
      return;
    }
    const body = await readBody(req);
    if (!body) {
      sendError(res, 413, 'invalid_request_error', `request body: larger than ${MAX_BODY} bytes`);
      return;
    }
    const parsed = parseCompletionBody(body.toString('utf8'), kind);
    if (!parsed.ok) {
      sendError(res, 400, 'invalid_request_error', parsed.message, {}, parsed.param);
      return;
    }
    const route = resolveModel(parsed.model, this.o.table);
    if (!route.ok) {
      sendError(res, 404, 'model_not_found', route.message, {}, 'model');
      return;
    }
    await this.complete(route.server.id, route.server.model, (route.role ?? route.server.roles[0] ?? 'polecat') as Role, caller, path, req, body, res);
  }

  private async complete(serverId: string, model: string, role: Role, caller: string, path: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) gone.abort();
    };
    res.on('close', onClose);
    let lease;
    try {
      lease = await this.dispatcher.acquire(serverId, gone.signal);
    } catch (err) {
      if (gone.signal.aborted) return;
      const retry = { 'retry-after': String(this.o.config.retryAfterSeconds) };
      if (err instanceof QueueFullError) sendError(res, 429, 'rate_limit_error', `${err.message}; retry later`, retry);
      else if (err instanceof NotServedError) sendError(res, 503, 'unavailable_error', err.message, retry);
      else throw err;
      return;
    } finally {
      res.removeListener('close', onClose);
    }
    const run = async (): Promise<RoundTrip> => {
      const t0 = performance.now();
      let f: Forwarded;
      try {
        f = await forward({ url: lease.server.url, apiKey: lease.server.apiKey }, path, req, body, res, this.o.meter !== undefined);
      } finally {
        lease.release();
      }
      if (f.aborted || f.status >= 400) throw new Error(f.aborted ? `client disconnected (status ${f.status})` : `llama-server answered ${f.status}`);
      return { text: '', usage: f.usage, latencyMs: performance.now() - t0, ...(f.firstByteMs !== null ? { ttftMs: f.firstByteMs } : {}), model };
    };
    // Our own engine meters its calls itself, with bead and convoy: a second line would count them twice.
    if (!this.o.meter || req.headers[METERED_HEADER] !== undefined) {
      await run().catch(() => undefined);
      return;
    }
    // The server's device: a CPU server's call is charged CPU power, not a share of the GPU's.
    await this.o.meter.track({ meta: { role, caller }, provider: 'openai-compatible', model, local: true, device: lease.server.device }, run).catch(() => undefined);
  }

  /** /models/<model>/tokenize etc.: straight to that model's llama-server when it runs; no load, no queue. */
  private async extra(model: string, what: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = resolveModel(model, this.o.table);
    if (!route.ok) {
      sendError(res, 404, 'model_not_found', route.message, {}, 'model');
      return;
    }
    const s = this.o.control.running().find((x) => x.id === route.server.id && x.status === 'ready');
    if (!s) {
      sendError(res, 503, 'unavailable_error', `${route.server.model} is not loaded now; a completion request for it loads it`, { 'retry-after': String(this.o.config.retryAfterSeconds) });
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : null;
    await forward({ url: s.url, apiKey: s.apiKey }, `/${what}`, req, body, res, false);
  }

  private health(res: ServerResponse): void {
    const running = new Map(this.o.control.running().map((s) => [s.id, s]));
    const servers = this.o.table.servers.map((p) => ({
      id: p.id, model: p.model, status: running.get(p.id)?.status ?? 'not loaded', inflight: this.dispatcher.inflightOn(p.id),
    }));
    const paused = this.o.control.loadsPaused();
    const anyReady = servers.some((s) => s.status === 'ready');
    // Nothing loaded is still healthy (the next request loads a model), unless the VRAM watch holds every load back.
    const status = anyReady ? 'ok' : paused ? 'no model loaded, and loads are paused while the desktop needs the VRAM' : 'idle: no model loaded; a request loads one';
    sendJson(res, anyReady || !paused ? 200 : 503, { status, loadsPaused: paused, queued: this.dispatcher.queued, swaps: this.dispatcher.swaps, servers });
  }
}
