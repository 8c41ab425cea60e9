// What an eval run scored, read from where the lifecycle left the bead (status, history, attempt trail) and the review it got. Pure.
import type { Bead } from '../beads/schema.js';
import type { RefineryReview } from '../agents/contracts.js';
import type { LibrarianTaskSpec, RefineryTaskSpec } from './task-schema.js';
import { matchReview } from './review-match.js';

/** The scored part of a run, before the measurements (tokens, time, VRAM, cost) are added. */
export interface Outcome {
  passed: boolean;
  attempts?: number;
  guardHits?: number;
  defectsFound?: number;
  falseAlarms?: number;
  codeChanges?: number;
  note: string;
}

const GUARD_NOTE = /^GDScript guard:/;
const firstLine = (s: string | undefined): string => (s ?? '').split('\n')[0]!;

/** Why the lifecycle failed the bead (its history note), or '' when it did not. */
export function failureOf(bead: Bead): string {
  if (bead.status !== 'failed') return '';
  return bead.history.findLast((h) => h.to === 'failed')?.note ?? 'failed';
}

/** Where the run stopped when the bead is neither done nor failed (a convoy that could not move on). */
function stuckOf(bead: Bead): string {
  return `the bead ended ${bead.status}${bead.lifecycle ? ` at step ${bead.lifecycle.step}` : ''}`;
}

/**
 * A Polecat run passes when the lifecycle merged its change (tests green, the review's rules met). Attempts and
 * guard hits come from the bead's attempt trail: every round on every try and revision, as `run-epic` records them.
 */
export function polecatOutcome(bead: Bead): Outcome {
  const rounds = bead.attempts.filter((a) => a.outcome !== 'escalated');
  const guardHits = rounds.filter((a) => GUARD_NOTE.test(a.note ?? '')).length;
  const passed = bead.status === 'done';
  const last = rounds.at(-1);
  // The model's last failed round says most about why; a change that passed its tests but not the review, the lifecycle's note.
  const note = passed ? '' : last && last.outcome !== 'pass' ? firstLine(last.note) : firstLine(failureOf(bead) || stuckOf(bead));
  return { passed, attempts: rounds.length, guardHits, note };
}

/**
 * A review run passes when the review the lifecycle acted on has the expected verdict and names every planted
 * defect (./review-match.ts). No review at all (every try of the review job failed) is a failed run.
 */
export function refineryOutcome(bead: Bead, review: RefineryReview | undefined, spec: RefineryTaskSpec, calls: number): Outcome {
  if (!review) return { passed: false, attempts: calls, defectsFound: 0, falseAlarms: 0, note: firstLine(failureOf(bead) || stuckOf(bead)) };
  const m = matchReview(review, spec.expected.defects);
  return {
    passed: review.verdict === spec.expected.verdict && m.missed.length === 0,
    attempts: calls,
    defectsFound: m.found.length,
    falseAlarms: m.falseAlarms.length,
    note: m.missed.length ? `missed: ${m.missed.map((d) => `${d.kind} at ${d.file}:${d.line}`).join(', ')}` : '',
  };
}

/** Code changes the engine rejected, as its failure note lists them ("- <file>:<line>: <reason>" per change). */
export function rejectedCodeChanges(failure: string): number {
  const lines = failure.split('\n');
  const at = lines.findIndex((l) => l.includes('Rejected:'));
  return at < 0 ? 0 : lines.slice(at + 1).filter((l) => l.startsWith('- ')).length;
}

/**
 * A Librarian run passes when its docs were merged with no code change and every expected declaration documented.
 * `landed` is what the merged convoy branch holds (null when nothing was merged).
 */
export function librarianOutcome(bead: Bead, spec: LibrarianTaskSpec, landed: { documented: string[]; codeChanges: number } | null, calls: number): Outcome {
  const failure = failureOf(bead);
  const codeChanges = landed ? landed.codeChanges : rejectedCodeChanges(failure);
  const documented = landed?.documented ?? [];
  const missing = spec.expected.documented.filter((k) => !documented.includes(k));
  return {
    passed: bead.status === 'done' && codeChanges === 0 && missing.length === 0,
    attempts: calls,
    codeChanges,
    note: [missing.length ? `not documented: ${missing.join(', ')}` : '', firstLine(failure || (bead.status === 'done' ? '' : stuckOf(bead)))].filter(Boolean).join('; '),
  };
}
