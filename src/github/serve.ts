// Starts Probot's HTTP server with our app, configured from env; refuses to start when settings are missing.
import { Probot, Server, type ProbotOctokit } from 'probot';
import type { Logger } from 'pino';
import { createLogger } from '../util/logger.js';
import { readAppConfig, type AppConfig } from './config.js';
import { createGithubApp, type GithubApp } from './app.js';
import type { RecoveryReport } from './recovery.js';
import type { Engine } from './ports.js';

export interface ServeOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The engine, or a factory given the validated config (the real engine needs the state folder). */
  engine: Engine | ((config: AppConfig, log: Logger) => Engine | Promise<Engine>);
  log?: Logger;
  /** Octokit class override; tests turn off the write throttling (1-3 s between comments) that protects real GitHub. */
  Octokit?: typeof ProbotOctokit;
  /** Run restart recovery once listening (default true). */
  recover?: boolean;
}

export interface RunningServer {
  config: AppConfig;
  app: GithubApp;
  port: number;
  /** Resolves when restart recovery finished, with what it did per epic (empty when it failed as a whole; errors are logged). */
  recovered: Promise<RecoveryReport[]>;
  stop(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const config = readAppConfig(env, opts.cwd);
  const log = opts.log ?? createLogger({ ...env, GTH_LOG_LEVEL: env.GTH_LOG_LEVEL ?? 'info' }, 'gth-serve');
  const ProbotWithConfig = Probot.defaults({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    baseUrl: config.apiBaseUrl,
    log,
    ...(opts.Octokit ? { Octokit: opts.Octokit } : {}),
  });
  const server = new Server({
    Probot: ProbotWithConfig,
    log,
    port: config.port,
    host: config.host,
    webhookPath: config.webhookPath,
    webhookProxy: config.webhookProxyUrl ?? undefined,
    enableStaticFiles: false,
  });
  const engine = typeof opts.engine === 'function' ? await opts.engine(config, log) : opts.engine;
  const app = createGithubApp({ engine, stateDir: config.stateDir, epicLabel: config.epicLabel, log });
  await server.load(app.appFn);
  await server.start();
  const recovered =
    opts.recover === false
      ? Promise.resolve([])
      : app.recover().catch((err: unknown) => {
          log.error({ err }, 'restart recovery failed');
          return [];
        });
  return {
    config,
    app,
    port: server.port,
    recovered,
    async stop() {
      await server.stop();
      await app.queue.idle();
    },
  };
}
