// Starts the real `gth serve` server (Probot's Server on 127.0.0.1) against a nock GitHub with a stateful comment store;
// startLifecycleApp composes it as `gth serve` does for one town repository, for the flow tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ProbotOctokit } from 'probot';
import { startServer, type RunningServer } from '../../src/github/serve.js';
import type { Engine } from '../../src/github/ports.js';
import { FakeGitHub } from './github-fake.js';
import { deliver, freePort, testPrivateKey } from './github-webhooks.js';
import { createGithubEngine } from '../../src/github/engine.js';
import { createGithubLifecycle } from '../../src/github/convoy-driver.js';
import { TownRepos } from '../../src/github/town-repo.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from '../../src/lifecycle/machine.js';
import type { ModelRouter } from '../../src/agents/engine/router.js';

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
  /** Delivers one signed webhook as GitHub does, expects 200, and waits until the app's queued work is done. */
  step(event: string, payload: unknown): Promise<void>;
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
    async step(event, payload) {
      const res = await deliver(`http://127.0.0.1:${server.port}/api/github/webhooks`, SECRET, event, payload);
      if (res.status !== 200) throw new Error(`webhook ${event} answered ${res.status}: ${res.text}`);
      await server.app.queue.idle();
    },
    async close() {
      await server.stop();
      fake.stop();
      if (!opts.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The lifecycle without back-off: a retry is dispatched at once, so the flow tests never wait. */
export const NO_BACKOFF: LifecyclePolicy = { ...DEFAULT_POLICY, backoffMs: 0 };

/**
 * The app as `gth serve` composes it, working on the town repository `bare` (its clones under `stateDir`), with the
 * lifecycle at `policy` (default NO_BACKOFF). Without `router`, any model call fails the test: only planning needs one.
 */
export function startLifecycleApp(o: {
  bare: string;
  stateDir: string;
  router?: () => ModelRouter;
  policy?: LifecyclePolicy;
  recover?: boolean;
  comments?: Comment[];
  setup?: (fake: FakeGitHub) => void;
}): Promise<Harness> {
  const log = pino({ level: 'silent' });
  const noModel = (): ModelRouter => {
    throw new Error('no model in this test');
  };
  const base = createGithubEngine({ stateDir: o.stateDir, router: o.router ?? noModel, log, remoteUrl: () => o.bare });
  const lifecycle = createGithubLifecycle({ towns: new TownRepos({ stateDir: o.stateDir, remoteUrl: () => o.bare }), log, policy: o.policy ?? NO_BACKOFF });
  return startHarness({ ...base, lifecycle }, { stateDir: o.stateDir, recover: o.recover, comments: o.comments, setup: o.setup });
}
