// The convoy progress the app shows and dispatches from, as the engine reports it (a leaf module: schemas only).
import { z } from 'zod';
import { BeadId, Role, Status } from '../beads/schema.js';
import { JOB_KINDS } from './job-kinds.js';

export const PlannedBead = z.strictObject({
  id: BeadId,
  title: z.string().min(1),
  status: Status,
  /** Which agent works it; beads with a role that has a workflow get dispatched to a runner. */
  role: Role.nullable().optional(),
  /** The runner job this bead needs next (a Polecat bead gets refinery-tests first); absent: chosen by role. */
  next: z.enum(JOB_KINDS).nullable().optional(),
});

/** What the Mayor returns once beads are committed on the convoy branch (and what a lookup returns later). */
export const ConvoyProgress = z.strictObject({
  convoyId: BeadId,
  branch: z.string().min(1),
  beads: z.array(PlannedBead),
  /** Bead ids runnable now (dependencies done). Absent: every `open` bead with a role counts as ready. */
  ready: z.array(BeadId).optional(),
});
export type PlannedBead = z.infer<typeof PlannedBead>;
export type ConvoyProgress = z.infer<typeof ConvoyProgress>;
