// In-process stand-in llama-server on 127.0.0.1 (random port) for tests that need no child process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLlamaHandler, type FakeScript } from './llama-handler.js';

export interface FakeLlamaOptions {
  script?: FakeScript;
  loadMs?: number;
  /** After N answered completions the server closes (the in-process form of a crash). */
  crashAfter?: number;
  hang?: boolean;
  garbage?: boolean;
  slowMs?: number;
  apiKey?: string;
  model?: string;
  parallel?: number;
  ctxSize?: number;
  genTps?: number;
  promptTps?: number;
}

export interface FakeLlama {
  url: string;
  port: number;
  requests: unknown[];
  close(): Promise<void>;
}

export async function startFakeLlama(opts: FakeLlamaOptions = {}): Promise<FakeLlama> {
  let closed = false;
  const server = createServer((req, res) => handler.handle(req, res));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (closed) return resolve();
      closed = true;
      handler.dispose();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const handler = createLlamaHandler({ ...opts, metrics: true, onCrash: () => void close() });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, requests: handler.requests, close };
}
