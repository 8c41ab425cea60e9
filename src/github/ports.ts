// The engine-facing interfaces the GitHub app calls (Mayor planner, convoy lookup, merge recorder), injected so the engine plugs in later.
import type { RepoRef } from './events.js';
import type { ConvoyProgress } from './progress-schema.js';
import type { TokenSource } from './town-repo.js';
import type { ConvoyLifecycle } from './convoy-driver.js';

export type { TokenSource };

export { PlannedBead, ConvoyProgress } from './progress-schema.js';

export interface EpicRequest {
  repo: RepoRef;
  issueNumber: number;
  /** Untrusted text from the issue: the planner must pass it to the model as quoted data (see untrusted.ts). */
  title: string;
  /** Untrusted text from the issue: the planner must pass it to the model as quoted data (see untrusted.ts). */
  body: string;
  /** The installation's token for git over HTTPS (clone, fetch, push of the convoy branch). */
  token?: TokenSource;
}

export interface EpicPlanner {
  /** Plans the epic into a convoy, commits its beads on the convoy branch, and returns them. Throws on failure with nothing committed. */
  planEpic(req: EpicRequest): Promise<ConvoyProgress>;
}

export interface ConvoyLookup {
  /** The convoy planned for this epic issue, or null when none exists yet. */
  findByEpic(repo: RepoRef, issueNumber: number, token?: TokenSource): Promise<(ConvoyProgress & { finished: boolean }) | null>;
  /** The epic issue a convoy branch belongs to (for workflow_run updates), or null. */
  findByBranch(repo: RepoRef, branch: string, token?: TokenSource): Promise<{ issueNumber: number } | null>;
}

export interface MergeRecorder {
  /**
   * A bead's PR was merged into its convoy branch: the bead moves review -> done in a commit pushed on that branch.
   * False when the bead is not in review (already recorded, or moved by a person).
   */
  beadMerged(repo: RepoRef, beadId: string, convoyBranch: string, prNumber: number, token?: TokenSource): Promise<boolean>;
}

/** Everything the app needs from the engine; absent parts make the matching flows answer "not available". */
export interface Engine {
  planner: EpicPlanner | null;
  convoys: ConvoyLookup | null;
  merges?: MergeRecorder | null;
  /** The lifecycle engine on convoy branches; when present, webhooks drive it (job results, reviews, merges, unlabel). */
  lifecycle?: ConvoyLifecycle | null;
}
