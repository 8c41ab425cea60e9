// Starts the real `gth serve` server (Probot's Server on 127.0.0.1) against a nock GitHub with a stateful comment store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ProbotOctokit } from 'probot';
import { startServer, type RunningServer } from '../../../src/github/serve.js';
import type { Engine } from '../../../src/github/ports.js';
import { FakeGitHub } from '../../support/github-fake.js';
import { freePort, testPrivateKey } from '../../support/github-webhooks.js';

export const SECRET = 'test-webhook-secret';

export interface Comment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
}

export interface Harness {
  url: string;
  server: RunningServer;
  fake: FakeGitHub;
  comments: Comment[];
  stateDir: string;
  /** Permission the fake answers per user login (default "write"). */
  permissions: Map<string, string>;
  close(): Promise<void>;
}

const issueNo = (path: string): number => Number(/\/issues\/(\d+)/.exec(path)?.[1]);

export async function startHarness(
  engine: Engine,
  opts: {
    recover?: boolean; stateDir?: string; setup?: (fake: FakeGitHub) => void; env?: Record<string, string>; apiBase?: string;
    /** The issue comments GitHub holds: pass the previous harness's to restart the app against the same GitHub. */
    comments?: Comment[];
  } = {},
): Promise<Harness> {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'gth-github-')));
  const fake = new FakeGitHub(opts.apiBase);
  const comments: Comment[] = opts.comments ?? [];
  const permissions = new Map<string, string>();
  let nextId = 9000 + comments.length;
  fake
    .on('repos/get-collaborator-permission-level', (req) => {
      const user = /\/collaborators\/([^/]+)\/permission/.exec(req.path)![1]!;
      const permission = permissions.get(user) ?? 'write';
      return [200, { permission, role_name: permission, user: { login: user, id: 1, type: 'User' } }];
    })
    .on('issues/list-comments', (req) => [200, comments.filter((c) => c.issue === issueNo(req.path))])
    .on('issues/create-comment', (req) => {
      const c: Comment = { id: nextId++, issue: issueNo(req.path), body: (req.body as { body: string }).body, user: { login: 'gastown-hybrid[bot]', type: 'Bot' } };
      comments.push(c);
      return [201, c];
    })
    .on('issues/update-comment', (req) => {
      const id = Number(/\/comments\/(\d+)/.exec(req.path)![1]);
      const c = comments.find((x) => x.id === id);
      if (!c) return [404, { message: 'Not Found' }];
      c.body = (req.body as { body: string }).body;
      return [200, c];
    })
    .on('actions/create-workflow-dispatch', () => [204])
    // The app's own identity: its comments are the ones by `<slug>[bot]`.
    .on('apps/get-authenticated', () => [200, { id: 12345, slug: 'gastown-hybrid', name: 'gastown-hybrid', owner: { login: 'Codertocat', type: 'User' } }])
    .start();
  opts.setup?.(fake);
  const port = await freePort();
  const server = await startServer({
    env: {
      APP_ID: '12345',
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      GTH_STATE_DIR: stateDir,
      ...opts.env,
    },
    engine,
    log: pino({ level: 'silent' }),
    // Probot spaces writes 1-3 s apart to respect GitHub's secondary rate limits; the fake needs no such pause.
    Octokit: ProbotOctokit.defaults((o: Record<string, any>) => ({ ...o, throttle: { ...o.throttle, enabled: false }, retry: { enabled: false } })),
    recover: opts.recover ?? false,
  });
  return {
    url: `http://127.0.0.1:${server.port}/api/github/webhooks`,
    server,
    fake,
    comments,
    stateDir,
    permissions,
    async close() {
      await server.stop();
      fake.stop();
      if (!opts.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
