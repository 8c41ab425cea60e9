// Local delivery and notifier: bead branches merged into the convoy branch of the rig's remote; people told through the log.
import type { Delivery, Notifier } from '../../lifecycle/effects.js';
import { convoyWorktree } from './refinery.js';
import type { EngineContext } from './types.js';

/** What `gth run-epic` does on this machine: no PRs; the merged convoy branch on the remote is the delivery. */
export function localDelivery(ctx: EngineContext): Delivery {
  return {
    openBeadPr: async () => null,
    async mergeBead(bead, branch) {
      const worktree = convoyWorktree(ctx);
      await ctx.git.worktree(worktree, ctx.convoyBranch, null);
      await ctx.git.merge(worktree, branch, `Merge ${branch}: ${bead.title}`);
      await ctx.git.push(worktree, ctx.convoyBranch);
      return 'merged';
    },
    async deliverConvoy(convoy) {
      ctx.emit({ kind: 'phase', phase: `convoy ${convoy.id} delivered on ${ctx.convoyBranch}` });
      return { pr: null };
    },
    closeEpic: async () => undefined,
  };
}

export function logNotifier(ctx: EngineContext): Notifier {
  return {
    comment: async (convoy, text) => ctx.log.info({ convoy: convoy.id }, text),
    async escalate(convoy, bead, attempts, why) {
      ctx.log.warn({ convoy: convoy.id, bead: bead.id, attempts }, `escalation: bead ${bead.id} failed after ${attempts} attempt(s): ${why}`);
      ctx.emit({ kind: 'bead', beadId: bead.id, status: 'failed', note: why });
    },
  };
}
