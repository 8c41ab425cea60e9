// A review task plays the Refinery's tests-first and the Polecat with its prepared change; the review itself is the engine's.
import { cpSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Bead } from '../beads/schema.js';
import type { FollowUp, JobStarter } from '../lifecycle/effects.js';
import type { BeadEvent } from '../lifecycle/machine.js';
import { convoyWorktree } from '../agents/engine/refinery.js';
import { polecatBranch } from '../agents/engine/polecat.js';
import type { EngineContext } from '../agents/engine/types.js';
import { isUnder, testDirs } from '../agents/policy/protected-paths.js';
import { listFiles } from '../fleet/rig-context.js';

/** The change's test files: committed on the convoy branch first, as the Refinery's tests-first job does. */
async function preparedTests(ctx: EngineContext, bead: Bead, changeDir: string): Promise<BeadEvent> {
  const worktree = convoyWorktree(ctx);
  await ctx.git.worktree(worktree, ctx.convoyBranch, null);
  const dirs = testDirs(ctx.rig.config);
  const rel = (src: string): string => relative(changeDir, src).split(sep).join('/');
  cpSync(changeDir, worktree, { recursive: true, filter: (src) => statSync(src).isDirectory() || dirs.some((d) => isUnder(rel(src), d)) });
  await ctx.git.commitAll(worktree, `${bead.id}: tests first (refinery)`, 'refinery');
  await ctx.git.push(worktree, ctx.convoyBranch);
  return { type: 'testsWritten', files: listFiles(changeDir).filter((f) => dirs.some((d) => isUnder(f, d))) };
}

/** The change itself, on the bead's Polecat branch off the convoy branch, pushed as a Polecat pushes it. */
async function preparedChange(ctx: EngineContext, bead: Bead, changeDir: string): Promise<BeadEvent> {
  const branch = polecatBranch(bead.id);
  // The Polecat's own worktree path: the review job checks the branch out there again (one worktree per branch).
  const worktree = join(ctx.worktrees, branch.replace('/', '-'));
  await ctx.git.worktree(worktree, branch, ctx.convoyBranch);
  cpSync(changeDir, worktree, { recursive: true });
  await ctx.git.commitAll(worktree, `${bead.id}: ${bead.title}`, `polecat-${bead.id}`);
  await ctx.git.push(worktree, branch, true);
  return { type: 'codePushed', branch, model: null, note: `the task's prepared change pushed on ${branch}` };
}

/**
 * Jobs for a review task: `refinery-tests` and `polecat` are played by the task's `change` folder, every other job
 * (the review) goes to the engine's own jobs. A broken task set-up throws: an eval error, not a model's failure.
 */
export function preparedChangeJobs(ctx: EngineContext, changeDir: string, engine: JobStarter): JobStarter {
  return {
    async start(e, bead): Promise<FollowUp[]> {
      if (e.job === 'refinery-tests') return [{ beadId: bead.id, event: await preparedTests(ctx, bead, changeDir) }];
      if (e.job === 'polecat') return [{ beadId: bead.id, event: await preparedChange(ctx, bead, changeDir) }];
      return engine.start(e, bead);
    },
  };
}
