// Real webhook payloads from @octokit/webhooks-examples and a signed delivery to a local server, as GitHub sends them.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}
const groups = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];

/** A deep copy of the n-th real example of `event.action`, delivered to installation 1 (examples often lack one). */
export function examplePayload(event: string, action: string, n = 0): Record<string, any> {
  const group = groups.find((g) => g.name === event);
  const found = group?.examples.filter((e) => e.action === action)[n];
  if (!found) throw new Error(`no webhook example ${event}.${action}[${n}]`);
  const copy = structuredClone(found) as Record<string, any>;
  copy.installation ??= { id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  return copy;
}

/** The payload's repository has `main` as its default branch (the examples say otherwise), as the test towns do. */
export function onMain(p: Record<string, any>): Record<string, any> {
  p.repository.default_branch = 'main';
  return p;
}

/** A person adds the `epic` label to issue #1 (a real `issues.labeled` example). */
export function epicLabeled(): Record<string, any> {
  const p = onMain(examplePayload('issues', 'labeled'));
  p.label.name = 'epic';
  return p;
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Delivery {
  status: number;
  text: string;
  ms: number;
}

export async function deliver(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  opts: { id?: string; signature?: string } = {},
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const started = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': opts.id ?? randomUUID(),
      'x-hub-signature-256': opts.signature ?? sign(secret, body),
      'user-agent': 'GitHub-Hookshot/test',
    },
    body,
  });
  return { status: res.status, text: await res.text(), ms: Date.now() - started };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

let key: string | null = null;
/** A real RSA key, so Probot signs real app JWTs (GitHub itself is faked by nock). */
export function testPrivateKey(): string {
  key ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return key;
}
