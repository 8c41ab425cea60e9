// Which runner workflow runs which bead, and dispatching each bead's job at most once.
import { BEAD_ID_RE, type Role } from '../beads/schema.js';
import type { GitHubApi } from './api.js';
import type { RepoRef } from './events.js';
import type { OnceStore } from './once-store.js';
import { WORKFLOW_FILE, type JobKind } from './job-kinds.js';
import type { ConvoyProgress } from './progress-schema.js';

export { JOB_KINDS, WORKFLOW_FILE, type JobKind } from './job-kinds.js';

/** The job a bead of this role starts with; mayor/crew work in the app, not on a runner. */
const KIND_FOR_ROLE: Partial<Record<Role, JobKind>> = {
  refinery: 'refinery-tests',
  polecat: 'polecat',
  librarian: 'librarian',
};

export interface PlannedDispatch {
  beadId: string;
  kind: JobKind;
  workflow: string;
}

/** Pure: the beads of a convoy that should get a runner job now. */
export function selectDispatches(p: ConvoyProgress): PlannedDispatch[] {
  const ready = p.ready ? new Set(p.ready) : null;
  const out: PlannedDispatch[] = [];
  for (const b of p.beads) {
    const kind = b.next !== undefined ? b.next : b.role ? KIND_FOR_ROLE[b.role] : undefined;
    if (!kind || b.status !== 'open') continue;
    if (ready && !ready.has(b.id)) continue;
    out.push({ beadId: b.id, kind, workflow: WORKFLOW_FILE[kind] });
  }
  return out;
}

/** Agent PR branches are `polecat/<bead-id>` and `librarian/<bead-id>` (the engine's), or `bead/<bead-id>`. */
const BEAD_BRANCH_RE = /^(?:bead|polecat|librarian)\/(.+)$/;

/** The bead id a PR branch belongs to, or null for any other branch. */
export function beadIdFromBranch(ref: string): string | null {
  const id = BEAD_BRANCH_RE.exec(ref)?.[1];
  return id && BEAD_ID_RE.test(id) ? id : null;
}

/** True when a workflow_run came from one of our bead workflows. */
export function isBeadWorkflowPath(path: string): boolean {
  return Object.values(WORKFLOW_FILE).some((f) => path === `.github/workflows/${f}`);
}

/**
 * Dispatches the review job for a PR once per `key` (a comment, a head commit). Always on the default branch: the
 * workflow file that runs on the self-hosted runner is the trusted one, never the copy on a branch a model wrote;
 * the job itself checks the PR head out into a sandboxed worktree.
 */
export async function dispatchReview(
  api: GitHubApi,
  dispatched: OnceStore,
  repo: RepoRef,
  defaultBranch: string,
  pr: { prNumber: number; headRef: string; key: string; attempt?: string },
): Promise<boolean> {
  const claim = `${repo.owner}/${repo.repo}/pr${pr.prNumber}/${pr.key}/review`;
  if (!(await dispatched.claim(claim))) return false;
  try {
    // A review the lifecycle asked for names its attempt; one a person asked for (a comment, a push) has none.
    const inputs: Record<string, string> = { pr: String(pr.prNumber), bead: beadIdFromBranch(pr.headRef) ?? '' };
    if (pr.attempt) inputs.attempt = pr.attempt;
    await api.dispatchWorkflow(repo, WORKFLOW_FILE['refinery-review'], defaultBranch, inputs);
  } catch (err) {
    await dispatched.release(claim);
    throw new Error(`dispatching ${WORKFLOW_FILE['refinery-review']} for PR #${pr.prNumber} failed`, { cause: err });
  }
  return true;
}

/**
 * Dispatches each selected bead once (remembered on disk), on the convoy branch so the job sees the
 * bead files and its workflow_run names the convoy. A failed dispatch is forgotten so it can be retried.
 */
export async function dispatchReady(
  api: GitHubApi,
  dispatched: OnceStore,
  repo: RepoRef,
  progress: ConvoyProgress,
): Promise<PlannedDispatch[]> {
  const done: PlannedDispatch[] = [];
  for (const d of selectDispatches(progress)) {
    const key = `${repo.owner}/${repo.repo}/${d.beadId}/${d.kind}`;
    if (!(await dispatched.claim(key))) continue;
    try {
      await api.dispatchWorkflow(repo, d.workflow, progress.branch, { bead: d.beadId, convoy: progress.convoyId });
    } catch (err) {
      await dispatched.release(key);
      throw new Error(`dispatching ${d.workflow} for bead ${d.beadId} failed`, { cause: err });
    }
    done.push(d);
  }
  return done;
}
