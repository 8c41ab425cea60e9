// Moves a planned convoy's beads through the one lifecycle engine, with jobs run in this process and local delivery.
import { ConvoyDriver } from '../../lifecycle/drive.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from '../../lifecycle/machine.js';
import type { LifecycleEffects } from '../../lifecycle/effects.js';
import { inProcessJobs } from './bead-jobs.js';
import { localDelivery, logNotifier } from './local-delivery.js';
import { convoyWorktree } from './refinery.js';
import type { EngineContext } from './types.js';

/** Local runs retry a crashed job soon: nobody is waiting on a runner queue. */
export const LOCAL_POLICY: LifecyclePolicy = { ...DEFAULT_POLICY, backoffMs: 2_000 };

export interface ConvoyRunOptions {
  policy?: LifecyclePolicy;
  /** Wraps the local effects (tests: a JobStarter that reports a cancelled job, a Delivery that records). */
  effects?: (local: LifecycleEffects) => LifecycleEffects;
}

/**
 * Runs the convoy until nothing more can move: beads a killed run left in progress pick up their step again,
 * ready beads start one at a time, results go back into the machine, and a finished convoy is delivered.
 */
export async function runConvoy(ctx: EngineContext, o: ConvoyRunOptions = {}): Promise<ConvoyDriver> {
  // The convoy branch is on the remote before any agent branches off it.
  await ctx.git.worktree(convoyWorktree(ctx), ctx.convoyBranch, null);
  await ctx.git.push(convoyWorktree(ctx), ctx.convoyBranch);
  const driver = new ConvoyDriver({
    store: ctx.store,
    convoyId: ctx.convoyId,
    log: ctx.log,
    policy: o.policy ?? LOCAL_POLICY,
    by: 'engine',
    effects: (o.effects ?? ((x) => x))({ jobs: inProcessJobs(ctx), delivery: localDelivery(ctx), notifier: logNotifier(ctx) }),
    onBead: (bead, _event, note) => ctx.emit({ kind: 'bead', beadId: bead.id, status: bead.status, model: bead.assignee?.model ?? undefined, note }),
  });
  ctx.emit({ kind: 'phase', phase: 'convoy' });
  await driver.resume();
  await driver.settle();
  return driver;
}
