// Pure: a convoy and its beads -> the progress the app shows and dispatches from (next runner job per bead, ready set).
import type { Bead, Convoy } from '../beads/schema.js';
import { readyBeads } from '../beads/graph.js';
import { TERMINAL } from '../beads/transitions.js';
import type { JobKind } from './job-kinds.js';
import type { ConvoyProgress } from './progress-schema.js';

import { TESTS_WRITTEN, firstStep, jobForStep } from '../lifecycle/machine.js';

/** Label the Refinery puts on a Polecat bead once its tests are on the convoy branch: one definition, the lifecycle's. */
export { TESTS_WRITTEN };

/** Roles whose beads a runner job works; the app answers Crew beads and plans Mayor ones itself. */
const RUNNER_ROLES = new Set(['polecat', 'refinery', 'librarian']);

/** The runner job a bead needs next: the job of the lifecycle's own first step for that bead. */
export function nextJob(bead: Pick<Bead, 'role' | 'labels'>): JobKind | null {
  if (!bead.role || !RUNNER_ROLES.has(bead.role)) return null;
  const job = jobForStep(firstStep(bead));
  return job === 'crew' ? null : job;
}

/** The epic key of a GitHub issue, as the Mayor records it on the convoy ("owner/repo#12"). */
export function epicKeyOf(repo: { owner: string; repo: string }, issue: number): string {
  return `${repo.owner}/${repo.repo}#${issue}`;
}

/** Finished = every bead done or cancelled; a failed bead keeps the epic open for a person to look at. */
export function progressOf(convoy: Convoy, beads: Bead[]): ConvoyProgress & { finished: boolean } {
  const byId = new Map(beads.map((b) => [b.id, b]));
  const mine = convoy.beads.map((id) => byId.get(id)).filter((b): b is Bead => b !== undefined);
  return {
    convoyId: convoy.id,
    branch: convoy.branch ?? `convoy/${convoy.id}`,
    beads: mine.map((b) => ({ id: b.id, title: b.title, status: b.status, role: b.role, next: nextJob(b) })),
    ready: readyBeads(mine).map((b) => b.id),
    finished: mine.length > 0 && mine.length === convoy.beads.length && mine.every((b) => TERMINAL.has(b.status)),
  };
}
