// A nock-backed stand-in for api.github.com (and, for child processes, the same over HTTP on 127.0.0.1): every request is checked against GitHub's REST description, then answered by operationId.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { checkRequest } from './openapi-check.js';

export interface GithubRequest {
  method: string;
  path: string;
  body: unknown;
  operationId: string | null;
  problems: string[];
}

export type Reply = [status: number, body?: unknown];
type Handler = (req: GithubRequest) => Reply;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export class FakeGitHub {
  readonly requests: GithubRequest[] = [];
  private readonly handlers = new Map<string, Handler>();
  private server: Server | null = null;

  /** `apiBase`: https://api.github.com, or a GitHub Enterprise Server's `<proto>://<host>/api/v3`. */
  constructor(private readonly apiBase = 'https://api.github.com') {
    // The app's installation token; Probot requests it before any installation call.
    this.on('apps/create-installation-access-token', () => [
      201,
      { token: 'ghs_testtoken', expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: 'all' },
    ]);
  }

  /** Answers the operation (e.g. "issues/create-comment") with the handler's [status, body]. */
  on(operationId: string, handler: Handler): this {
    this.handlers.set(operationId, handler);
    return this;
  }

  start(): this {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    const origin = new URL(this.apiBase).origin;
    const prefix = new URL(this.apiBase).pathname.replace(/\/$/, '');
    const scope = nock(origin).persist();
    for (const method of METHODS) {
      scope.intercept(() => true, method).reply((full, body) => {
        // The REST description's paths have no /api/v3 prefix.
        const uri = prefix && full.startsWith(prefix) ? full.slice(prefix.length) : full;
        return this.answer(method, uri, body);
      });
    }
    return this;
  }

  /**
   * The same answers over a real HTTP server on 127.0.0.1, for child processes nock cannot reach (`gth job` with
   * GITHUB_API_URL set to the returned base URL). Closed by stop().
   */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [status, body] = this.answer(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'));
        const text = body === '' || body === undefined ? '' : JSON.stringify(body);
        res.writeHead(status, text ? { 'content-type': 'application/json; charset=utf-8' } : {});
        res.end(text);
      });
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** One request checked against GitHub's REST description, recorded, and answered by its operation's handler. */
  private answer(method: string, uri: string, body: unknown): Reply {
    const parsed = typeof body === 'string' && body.length > 0 ? safeJson(body) : body === '' ? undefined : body;
    const check = checkRequest({ method, path: uri, body: parsed });
    const req: GithubRequest = { method, path: uri, body: parsed, operationId: check.operationId, problems: check.problems };
    this.requests.push(req);
    const handler = check.operationId ? this.handlers.get(check.operationId) : undefined;
    if (!handler) {
      req.problems.push(`${method} ${uri}: no fake answer for ${check.operationId ?? 'unknown operation'}`);
      return [404, { message: 'Not Found (fake)' }];
    }
    const [status, resBody] = handler(req);
    return [status, resBody ?? ''];
  }

  stop(): void {
    nock.cleanAll();
    nock.enableNetConnect();
    this.server?.closeAllConnections();
    this.server?.close();
    this.server = null;
  }

  /** Every request that disagreed with GitHub's REST description or had no fake answer. */
  get violations(): string[] {
    return this.requests.flatMap((r) => r.problems);
  }

  calls(operationId: string): GithubRequest[] {
    return this.requests.filter((r) => r.operationId === operationId);
  }

  /** Requests other than the token exchange: what the app actually did. */
  get actions(): GithubRequest[] {
    return this.requests.filter((r) => r.operationId !== 'apps/create-installation-access-token');
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
