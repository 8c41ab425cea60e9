// A fresh, throw-away place for one eval run: the task's rig in a temp git repo with a bare remote, and a bead in its convoy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Bead, Role } from '../beads/schema.js';
import { TESTS_WRITTEN } from '../lifecycle/machine.js';
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

/**
 * The bead as the Mayor would plan it for the task. A Polecat task's tests are in the rig state already (the
 * Refinery's, committed first), so its bead starts at the code; a review task's bead is the Polecat bead whose
 * change is reviewed, so the lifecycle takes it through tests first, the change and the review.
 */
function beadRole(task: EvalTask): { role: Role; labels: string[] } {
  switch (task.spec.kind) {
    case 'polecat':
      return { role: 'polecat', labels: [TESTS_WRITTEN] };
    case 'refinery':
      return { role: 'polecat', labels: [] };
    case 'librarian':
      return { role: 'librarian', labels: [] };
  }
}

/** Creates the temp rig (committed on main, pushed to a bare origin), the convoy branch, and the bead in its convoy. */
export async function createWorkspace(task: EvalTask, o: WorkspaceOptions): Promise<Workspace> {
  const root = mkdtempSync(join(o.tmp ?? tmpdir(), `gth-eval-${task.name}-`));
  const dispose = (): void => rmSync(root, { recursive: true, force: true });
  try {
    const rigDir = materializeRig(task, join(root, 'rig'));
    const remote = join(root, 'origin.git');
    const g = rigGit(rigDir);
    await g.init('main');
    await g.commitAll(rigDir, `eval task ${task.name}`, 'gastown-eval');
    await g.createOrigin(remote, 'main');
    const rig = loadRigConfig(rigDir);
    const convoyBranch = `convoy/${o.convoyId}`;
    await g.ensureBranch(convoyBranch, 'main');
    const store = new BeadStore({ dir: join(root, 'town', 'beads'), actor: 'eval' });
    const b = task.spec.bead;
    const created = await store.create({
      title: b.title,
      description: b.description,
      type: b.type,
      ...beadRole(task),
      rig: rig.config.name,
      files: b.files,
      acceptance: b.acceptance,
    });
    await store.createConvoy({ id: o.convoyId, title: `eval ${task.name}`, beads: [created.id], branch: convoyBranch });
    const bead = await store.get(created.id);
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
