// Allowed status transitions; every status change goes through assertTransition.
import type { Status } from './schema.js';
import { GthError } from '../util/errors.js';

export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  open: ['in_progress', 'blocked', 'done', 'cancelled'],
  in_progress: ['open', 'review', 'done', 'failed', 'blocked'],
  blocked: ['open', 'in_progress', 'cancelled'],
  review: ['in_progress', 'done', 'failed'],
  failed: ['open', 'cancelled'],
  done: ['open'],
  cancelled: ['open'],
};

export const TERMINAL: ReadonlySet<Status> = new Set(['done', 'cancelled']);

export function canTransition(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

export class TransitionError extends GthError {
  constructor(readonly beadId: string, readonly from: Status, readonly to: Status) {
    super(
      `bead ${beadId}: cannot move from ${from} to ${to} (allowed from ${from}: ${TRANSITIONS[from].join(', ') || 'none'})`,
    );
    this.name = 'TransitionError';
  }
}

export function assertTransition(beadId: string, from: Status, to: Status): void {
  if (!canTransition(from, to)) throw new TransitionError(beadId, from, to);
}
