// A repository the app works on, for GitHub engine tests: the sample GDScript rig pushed to a bare remote, optionally with a planned convoy.
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { execa } from 'execa';
import { BeadStore } from '../../src/beads/store.js';
import { writeServerState } from '../../src/runtime/state-store.js';
import { copyAerobeatMini } from '../unit/agents/helpers/godot-shim.js';
import { TESTS } from './engine-fixture.js';

const IDENT = ['-c', 'user.name=Owner', '-c', 'user.email=owner@example.invalid'];

export async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', [...IDENT, ...args], { cwd })).stdout;
}

/** The sample rig as the app's repository: `bare` is its remote (main), `work` the owner's clone. */
export async function makeTown(root: string): Promise<{ bare: string; work: string }> {
  const work = copyAerobeatMini();
  const bare = join(await mkdtemp(join(root, 'remote-')), 'Hello-World.git');
  await execa('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: work });
  await gitIn(work, 'add', '-A');
  await gitIn(work, 'commit', '-qm', 'rig');
  await gitIn(work, 'remote', 'add', 'origin', bare);
  await gitIn(work, 'push', '-q', 'origin', 'main');
  return { bare, work };
}

/** The Refinery's test for bonus_points(), shared with the local engine tests. */
export const BONUS_TEST = TESTS.files[0]!.content;

const ANCHOR = '## 1 for the first `hits_per_level` hits, then one more per level, capped at MAX_MULTIPLIER.';

/** A Polecat answer (search/replace block) that adds bonus_points() with `expr` as its body. */
export function bonusEdit(expr: string): string {
  return ['scripts/combo_counter.gd', '<<<<<<< SEARCH', ANCHOR, '=======', '## Bonus for long combos.', 'func bonus_points() -> int:', `\treturn ${expr}`, '', '', ANCHOR, '>>>>>>> REPLACE'].join('\n');
}

export const CONVOY = 'am-cv1';
export const BEAD = 'am-bonus';

/**
 * Pushes convoy/am-cv1 (planned for Codertocat/Hello-World#1) with one Polecat bead whose tests the Refinery
 * already wrote (label tests-written, test file committed), as the refinery-tests job leaves it.
 */
export async function seedConvoy(work: string, opts: { testsWritten?: boolean } = {}): Promise<void> {
  const testsWritten = opts.testsWritten ?? true;
  await gitIn(work, 'checkout', '-q', '-b', `convoy/${CONVOY}`);
  const store = new BeadStore({ dir: join(work, 'beads'), actor: 'mayor', prefix: 'am' });
  await store.createMany(
    [{
      id: BEAD, title: 'Add ComboCounter.bonus_points()', description: '50 points per full level of hits.', type: 'feature', role: 'polecat',
      rig: 'aerobeat-mini', convoy: CONVOY, files: testsWritten ? ['scripts/combo_counter.gd', 'test/unit/test_combo_bonus.gd'] : ['scripts/combo_counter.gd'],
      acceptance: ['0 below the first level', '50 points per full level'], labels: [...(testsWritten ? ['tests-written'] : []), 'epic:Codertocat/Hello-World#1'],
    }],
    { by: 'mayor' },
  );
  await store.createConvoy({ id: CONVOY, title: 'Combo streak bonus', epic: { repo: 'Codertocat/Hello-World', issue: 1 }, beads: [BEAD], branch: `convoy/${CONVOY}`, epicKey: 'Codertocat/Hello-World#1' });
  if (testsWritten) {
    const test = join(work, 'test/unit/test_combo_bonus.gd');
    await mkdir(dirname(test), { recursive: true });
    await writeFile(test, BONUS_TEST);
  }
  await gitIn(work, 'add', '-A');
  await gitIn(work, 'commit', '-qm', 'convoy am-cv1: plan and tests first');
  await gitIn(work, 'push', '-q', 'origin', `convoy/${CONVOY}`);
}

/** Registers a stand-in llama-server as a ready runtime server for `model`, as `gth runtime up` records it. */
export function registerServer(stateDir: string, model: string, url: string, device: 'gpu' | 'cpu' = 'gpu'): void {
  const now = new Date().toISOString();
  writeServerState(stateDir, {
    id: `${model}-test`, model, modelPath: `/models/${model}.gguf`, device, pid: process.pid, port: Number(new URL(url).port), url,
    apiKey: 'runtime-key', status: 'ready', startedAt: now, readyAt: now, restarts: 0, logFile: join(stateDir, 'x.log'),
    importance: 1, vramMiB: 0, ramMiB: 0, lastError: null,
  });
}

/**
 * The environment `gth job` gets on a runner in these tests: the GUT stand-in (`shim`) as godot first on PATH, the
 * runtime state folder (where registerServer put the stand-in llama-server), no Gemini key; a GitHub token only when
 * `github` names the API to use (as the workflows pass the app's installation token, GITHUB_REPOSITORY and GITHUB_API_URL).
 */
export function runnerJobEnv(o: {
  shim: string; stateDir: string; ledger: string; worktrees: string; temp?: string;
  github?: { apiUrl: string; token: string; repository: string };
}): NodeJS.ProcessEnv {
  return {
    PATH: `${o.shim}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    GTH_STATE_DIR: o.stateDir,
    GTH_LEDGER: o.ledger,
    GTH_WORKTREES: o.worktrees,
    GTH_LOG_LEVEL: 'silent',
    GEMINI_API_KEY: undefined,
    GTH_GITHUB_TOKEN: o.github?.token,
    GITHUB_TOKEN: undefined,
    GITHUB_REPOSITORY: o.github?.repository,
    GITHUB_API_URL: o.github?.apiUrl,
    RUNNER_TEMP: o.temp,
    GTH_CONFIG: undefined,
  };
}
