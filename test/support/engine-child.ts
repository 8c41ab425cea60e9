// Runs the engine on an already planned convoy in its own process, so a test can kill it mid-convoy.
import { runEpic } from '../../src/agents/engine/run-epic.js';
import { briefText } from '../../src/agents/briefs/load.js';
import { ladderRouter, log, type Urls } from './engine-fixture.js';

const args = JSON.parse(process.env.ENGINE_CHILD_ARGS ?? '{}') as { epicText: string; rig: string; town: string; urls: Urls; path: string };
await runEpic({
  epicText: args.epicText,
  rigDir: args.rig,
  townDir: args.town,
  router: ladderRouter(args.urls, { cloud: false }),
  brief: briefText,
  log,
  testEnv: { ...process.env, PATH: args.path },
});
