// Pure: a convoy and its beads -> the progress the app shows and dispatches from (next runner job per bead, ready set).
import type { Bead, Convoy } from '../beads/schema.js';
import { readyBeads } from '../beads/graph.js';
import { TERMINAL } from '../beads/transitions.js';
import type { JobKind } from './job-kinds.js';
import type { ConvoyProgress } from './progress-schema.js';

import { TESTS_WRITTEN } from '../lifecycle/machine.js';

/** Label the Refinery puts on a Polecat bead once its tests are on the convoy branch: one definition, the lifecycle's. */
export { TESTS_WRITTEN };

/** The runner job a bead needs next: a Polecat bead gets its tests first, then the Polecat. */
export function nextJob(bead: Pick<Bead, 'role' | 'labels'>): JobKind | null {
  switch (bead.role) {
    case 'polecat':
      return bead.labels.includes(TESTS_WRITTEN) ? 'polecat' : 'refinery-tests';
    case 'refinery':
      return 'refinery-tests';
    case 'librarian':
      return 'librarian';
    default:
      return null;
  }
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
