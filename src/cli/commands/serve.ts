// `gth serve`: runs the GitHub App (Probot server) until interrupted.
import type { Command } from 'commander';
import { startServer } from '../../github/serve.js';
import { defaultEngine } from '../../github/engine-registry.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the GitHub App webhook server. Env: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET (required); ' +
        'PORT, HOST, WEBHOOK_PATH, WEBHOOK_PROXY_URL, GTH_STATE_DIR, GTH_EPIC_LABEL, GTH_CONFIG, GEMINI_API_KEY (optional; GTH_ENGINE=off runs without the agent engine)',
    )
    .option('--no-recover', 'skip resuming unfinished epics at start')
    .action(async (opts: { recover: boolean }) => {
      const running = await startServer({
        env: process.env,
        engine: (config, log) => defaultEngine({ stateDir: config.stateDir, log, env: process.env, gitBaseUrl: config.gitBaseUrl }),
        recover: opts.recover,
      });
      const { host, webhookPath } = running.config;
      process.stderr.write(`gth serve: listening on http://${host}:${running.port}${webhookPath}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void running.stop().finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
