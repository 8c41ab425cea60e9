// A fresh, throw-away place for one eval run: the task's rig in a temp git repo with a bare remote, and a bead store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Logger } from 'pino';
import type { Bead, Role } from '../beads/schema.js';
import { BeadStore } from '../beads/store.js';
import { loadRigConfig, type LoadedRig } from '../agents/rig/load.js';
import { rigGit } from '../agents/engine/rig-git.js';
import type { ModelRouter } from '../agents/engine/router.js';
import type { EngineContext } from '../agents/engine/types.js';
import { materializeRig, type EvalTask } from './tasks.js';

export interface Workspace {
  root: string;
  rigDir: string;
  remote: string;
  ctx: EngineContext;
  bead: Bead;
  dispose(): void;
}

export interface WorkspaceOptions {
  router: ModelRouter;
  brief: (role: Role, rig: LoadedRig) => string;
  convoyId: string;
  attemptsPerModel: number;
  contextBudget: number;
  log: Logger;
  testEnv?: NodeJS.ProcessEnv;
  tmp?: string;
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa('git', ['-c', 'user.name=gastown-eval', '-c', 'user.email=eval@gastown.local', ...args], { cwd });
}

/** Creates the temp rig (committed on main, pushed to a bare origin), the convoy branch and the bead. */
export async function createWorkspace(task: EvalTask, o: WorkspaceOptions): Promise<Workspace> {
  const root = mkdtempSync(join(o.tmp ?? tmpdir(), `gth-eval-${task.name}-`));
  const dispose = (): void => rmSync(root, { recursive: true, force: true });
  try {
    const rigDir = materializeRig(task, join(root, 'rig'));
    const remote = join(root, 'origin.git');
    await execa('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    await git(rigDir, 'init', '-q', '-b', 'main');
    await git(rigDir, 'add', '-A');
    await git(rigDir, 'commit', '-q', '--no-verify', '-m', `eval task ${task.name}`);
    await git(rigDir, 'remote', 'add', 'origin', remote);
    await git(rigDir, 'push', '-q', 'origin', 'main');
    const rig = loadRigConfig(rigDir);
    const convoyBranch = `convoy/${o.convoyId}`;
    const g = rigGit(rigDir);
    await g.ensureBranch(convoyBranch, 'main');
    const store = new BeadStore({ dir: join(root, 'town', 'beads'), actor: 'eval' });
    const b = task.spec.bead;
    const bead = await store.create({
      title: b.title,
      description: b.description,
      type: b.type,
      role: task.spec.kind,
      rig: rig.config.name,
      files: b.files,
      acceptance: b.acceptance,
      convoy: o.convoyId,
    });
    const ctx: EngineContext = {
      store,
      rig,
      git: g,
      router: o.router,
      brief: o.brief,
      worktrees: join(root, 'worktrees'),
      attemptsPerModel: o.attemptsPerModel,
      contextBudget: o.contextBudget,
      convoyId: o.convoyId,
      convoyBranch,
      log: o.log,
      emit: () => undefined,
      testEnv: o.testEnv,
    };
    return { root, rigDir, remote, ctx, bead, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}
