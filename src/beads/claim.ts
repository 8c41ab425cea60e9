// Claiming a bead across runners: claim locally, commit, push; on a moved remote, fetch, re-check, retry.
import { relative, dirname } from 'node:path';
import type { Assignee, Bead } from './schema.js';
import { BeadStore, ClaimError } from './store.js';
import { GthError } from '../util/errors.js';
import type { Logger } from 'pino';

export interface ClaimOptions {
  assignee: Assignee;
  push?: boolean;
  remote?: string;
  branch?: string;
  maxAttempts?: number;
  log?: Logger;
}

export async function claimBead(store: BeadStore, id: string, opts: ClaimOptions): Promise<Bead> {
  if (!opts.push) return store.claimLocal(id, opts.assignee);
  const git = store.git;
  const remote = opts.remote ?? 'origin';
  const branch = opts.branch ?? (await git.currentBranch());
  const file = relative(dirname(store.dir), store.beadPath(id));
  const attempts = opts.maxAttempts ?? 8;
  // A pushed claim must be its own commit, whatever the store's commit setting.
  const committing = store.commit ? store : new BeadStore({ dir: store.dir, actor: store.actor, prefix: store.prefix, commit: true });
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await git.pullRebase(remote, branch);
    const bead = await committing.claimLocal(id, opts.assignee);
    if (bead.history.at(-1)?.note === 'claim repeated') {
      // Already ours and nothing new to push beyond what is there.
      const pushed = await git.push(remote, branch);
      if (pushed === 'ok') return bead;
    } else {
      const pushed = await git.push(remote, branch);
      if (pushed === 'ok') return bead;
      opts.log?.info({ bead: id, attempt }, 'claim push rejected; remote moved, retrying');
      await git.undoLastCommit([file]);
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
  }
  throw new GthError(`could not claim bead ${id}: the push to ${remote}/${branch} was rejected ${attempts} times`);
}

export { ClaimError };
