// Where the agent engine plugs into the GitHub app: the Mayor, the convoy lookup and the merge recorder, built from config and env.
import type { Logger } from 'pino';
import type { Engine } from './ports.js';

export interface EngineSetup {
  /** The app's state folder (clones of the repositories it works on). */
  stateDir: string;
  log: Logger;
  /** Where repositories are cloned from (GitHub Enterprise: `<proto>://<host>`); default https://github.com. */
  gitBaseUrl?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * The real engine. Models are set up on first use, so a missing GEMINI_API_KEY or a gastown.yml mistake is
 * reported on the epic or PR that needed it instead of stopping `gth serve`. GTH_ENGINE=off leaves the ports empty
 * (the flows then answer that the engine is not available).
 */
export async function defaultEngine(setup: EngineSetup): Promise<Engine> {
  const env = setup.env ?? process.env;
  if (env.GTH_ENGINE === 'off') return { planner: null, convoys: null };
  const cwd = setup.cwd ?? process.cwd();
  const { createGithubEngine, lazyRouter, engineModelsFromConfig } = await import('./engine.js');
  return createGithubEngine({
    stateDir: setup.stateDir,
    log: setup.log,
    env,
    gitBaseUrl: setup.gitBaseUrl,
    router: lazyRouter(async () => (await engineModelsFromConfig(env, cwd, setup.log, setup.stateDir)).router),
  });
}
