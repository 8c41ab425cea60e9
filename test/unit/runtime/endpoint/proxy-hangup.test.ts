// A client that hangs up right after a stream's [DONE] got the whole answer: it is metered, not counted as a disconnect.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { forward, type Forwarded } from '../../../../src/runtime/endpoint/proxy.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(s: Server): Promise<string> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

/** An upstream that streams `events` and then keeps its side open (as a busy llama-server may, for a moment). */
async function upstream(events: string[]): Promise<string> {
  return listen(
    createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of events) res.write(`data: ${e}\n\n`);
      setTimeout(() => res.end(), 3000).unref();
    }),
  );
}

/** The endpoint's side: forwards every request and hands over what forward() resolved with. */
async function front(target: string): Promise<{ url: string; result: Promise<Forwarded> }> {
  let settle!: (f: Forwarded) => void;
  const result = new Promise<Forwarded>((r) => (settle = r));
  const url = await listen(
    createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => void forward({ url: target, apiKey: 'k' }, '/v1/chat/completions', req, Buffer.concat(parts), res, true).then(settle));
    }),
  );
  return { url, result };
}

/** A client that reads until `until` shows up in the stream, then drops the connection. */
function hangUpAfter(url: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let seen = '';
      res.on('data', (c: Buffer) => {
        seen += c.toString();
        if (seen.includes(until)) {
          res.destroy();
          resolve(seen);
        }
      });
    });
    req.on('error', reject);
    req.end('{"stream":true}');
  });
}

const CONTENT = '{"choices":[{"delta":{"content":"hi"}}]}';
const USAGE = '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}';

describe('forward: a client hanging up', () => {
  it('after [DONE]: a complete answer, metered with its usage', async () => {
    const { url, result } = await front(await upstream([CONTENT, USAGE, '[DONE]']));
    await hangUpAfter(url, '[DONE]');
    const f = await result;
    expect(f).toMatchObject({ status: 200, aborted: false, usage: { prompt: 5, completion: 3 } });
  });

  it('before [DONE]: a disconnect (499), with what went through counted', async () => {
    const { url, result } = await front(await upstream([CONTENT]));
    await hangUpAfter(url, 'hi');
    const f = await result;
    expect(f).toMatchObject({ status: 499, aborted: true, usage: { completion: 1 } });
  });
});
