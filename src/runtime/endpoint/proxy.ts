// Forwards one request to a llama-server and streams its answer back chunk by chunk, tapping usage on the way.
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Usage } from '../../providers/types.js';
import { SseUsageTap, usageOfBody } from './usage.js';

export interface Forwarded {
  status: number;
  usage: Usage;
  /** ms from forwarding to the first body byte. */
  firstByteMs: number | null;
  /** The client left before the answer ended (the upstream request was aborted). */
  aborted: boolean;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'authorization', 'x-api-key', 'x-gth-caller', 'x-gth-metered']);
/** The answer's bytes pass unchanged, so its length holds: kept, the reply needs no chunked framing and leaves in one write. */
const HOP_BACK = new Set([...HOP].filter((h) => h !== 'content-length'));
const MAX_TAP = 4 * 1024 * 1024;

/** Pipes `body` to `${baseUrl}${path}` with the server's own key; `res` gets status, headers and bytes as they arrive. */
export function forward(
  target: { url: string; apiKey: string },
  path: string,
  req: IncomingMessage,
  body: Buffer | null,
  res: ServerResponse,
  meter: boolean,
): Promise<Forwarded> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const headers: Record<string, string> = { authorization: `Bearer ${target.apiKey}` };
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
    if (body) headers['content-length'] = String(body.length);
    const url = new URL(path, target.url);
    let firstByteMs: number | null = null;
    let done = false;
    const finish = (status: number, usage: Usage, aborted: boolean): void => {
      if (done) return;
      done = true;
      resolve({ status, usage, firstByteMs, aborted });
    };
    const zero: Usage = { prompt: 0, completion: 0, cached: 0, thinking: 0 };
    let streamTap: SseUsageTap | null = null;
    const up = httpRequest(url, { method: req.method, headers, agent: keepAlive }, (upRes) => {
      const type = String(upRes.headers['content-type'] ?? '');
      const sse = type.includes('text/event-stream');
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && !HOP_BACK.has(k)) out[k] = v;
      res.writeHead(upRes.statusCode ?? 502, out);
      // A stream's headers go now, so its client sees the answer start before the first token; a whole JSON
      // answer's headers go with its body, in one write.
      if (sse) res.flushHeaders();
      const tap = meter && sse ? new SseUsageTap() : null;
      streamTap = tap;
      const parts: Buffer[] = [];
      let size = 0;
      upRes.on('data', (chunk: Buffer) => {
        if (firstByteMs === null) firstByteMs = performance.now() - t0;
        res.write(chunk);
        if (tap) tap.push(chunk);
        else if (meter && size < MAX_TAP) {
          parts.push(chunk);
          size += chunk.length;
        }
      });
      upRes.on('end', () => {
        res.end();
        const usage = !meter ? zero : tap ? tap.result() : usageOfBody(Buffer.concat(parts).toString('utf8'));
        finish(upRes.statusCode ?? 502, usage, false);
      });
      upRes.on('error', () => {
        res.destroy();
        finish(upRes.statusCode ?? 502, tap ? tap.result() : zero, true);
      });
    });
    up.setNoDelay(true);
    // The client left: abort upstream so llama-server stops generating and frees the slot. What went through is
    // still metered: a client that hangs up right after a stream's [DONE] (before llama-server closed its side) got
    // the whole answer, whose usage the tap has already read.
    res.on('close', () => {
      if (!res.writableFinished) {
        up.destroy();
        const tap = streamTap;
        finish(tap?.complete ? 200 : 499, tap ? tap.result() : zero, !tap?.complete);
      }
    });
    up.on('error', (err) => {
      if (done) return;
      if (!res.headersSent) {
        const text = JSON.stringify({ error: { code: 502, type: 'upstream_error', message: `llama-server at ${target.url} did not answer: ${err.message}` } });
        res.writeHead(502, { 'content-type': 'application/json' }).end(text);
      } else res.destroy();
      finish(502, zero, true);
    });
    up.end(body ?? undefined);
  });
}

/** Kept-alive sockets to the llama-servers: a fresh TCP connect per request would add to every call's latency. */
const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 });
