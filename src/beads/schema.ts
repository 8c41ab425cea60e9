// Zod schemas for beads and convoys; every bead/convoy type in the code base is inferred from here.
import { z } from 'zod';
import { BEAD_TYPES, ROLES, STATUSES, DEP_KINDS, BEAD_ID_FORM, isBeadId, titleProblems, rigPathProblem } from './model.js';

// The plain rules live in model.ts (zod-free, for read commands); re-exported so callers keep one import.
export { BEAD_TYPES, ROLES, STATUSES, DEP_KINDS, BEAD_ID_RE, BEAD_ID_MAX, BEAD_ID_FORM, isBeadId, TITLE_MAX, titleProblems, rigPathProblem } from './model.js';

export const BeadType = z.enum(BEAD_TYPES);
export const Role = z.enum(ROLES);
export const Status = z.enum(STATUSES);
export const DepKind = z.enum(DEP_KINDS);
export const BeadId = z.string().refine(isBeadId, `expected an id of the form ${BEAD_ID_FORM}`);
export const RigPath = z.string().superRefine((path, ctx) => {
  const problem = rigPathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `file "${path}" ${problem}` });
});
export const Title = z.string().superRefine((t, ctx) => {
  for (const message of titleProblems(t)) ctx.addIssue({ code: 'custom', message });
});
export const IsoTime = z.iso.datetime({ offset: true });

export const Dependency = z.strictObject({
  id: BeadId,
  kind: DepKind,
});

export const Assignee = z.strictObject({
  agent: z.string().min(1),
  model: z.string().min(1).nullable().default(null),
});

export const HistoryEntry = z.strictObject({
  at: IsoTime,
  by: z.string().min(1),
  from: Status.nullable(),
  to: Status.nullable(),
  note: z.string().optional(),
});

export const Attempt = z.strictObject({
  n: z.int().positive(),
  at: IsoTime,
  agent: z.string().min(1),
  model: z.string().nullable().default(null),
  outcome: z.enum(['pass', 'fail', 'error', 'escalated']),
  note: z.string().optional(),
});

/**
 * The lifecycle engine's own state for a bead (src/lifecycle/machine.ts), kept in the bead file so a
 * restarted engine resumes where it stopped. Absent on beads the engine has not touched yet.
 */
export const BeadLife = z.strictObject({
  /** What the bead needs next: the step of its role's path. */
  step: z.enum(['tests', 'code', 'review', 'merge', 'docs', 'check', 'answer', 'done']),
  /** The job working on the step right now (started or dispatched), or null. */
  job: z.string().min(1).nullable().default(null),
  /** Failed tries of the current job (failure, cancelled, timed out); reset when the step moves on. */
  tries: z.int().nonnegative().default(0),
  /** Rounds of requested changes used. */
  revisions: z.int().nonnegative().default(0),
  /** Review comments the next Polecat attempt must address. */
  feedback: z.string().nullable().default(null),
  /** Earliest time of the next try after a failed job (back-off). */
  retryAt: IsoTime.nullable().default(null),
});

/** Values from a `bd` issue that our model does not have, kept so export is lossless. */
export const BdOrigin = z.strictObject({
  status: z.string().optional(),
  issue_type: z.string().optional(),
  dependency_types: z.record(z.string(), z.string()).optional(),
  fields: z.record(z.string(), z.unknown()).default({}),
  order: z.array(z.string()).optional(),
});

export const Bead = z.strictObject({
  id: BeadId,
  title: Title,
  description: z.string().default(''),
  type: BeadType.default('task'),
  role: Role.nullable().default(null),
  rig: z.string().min(1).nullable().default(null),
  convoy: BeadId.nullable().default(null),
  status: Status.default('open'),
  priority: z.int().min(0).max(4).default(2),
  dependencies: z.array(Dependency).default([]),
  acceptance: z.array(z.string()).default([]),
  files: z.array(RigPath).default([]),
  tokenEstimate: z.int().nonnegative().nullable().default(null),
  assignee: Assignee.nullable().default(null),
  attempts: z.array(Attempt).default([]),
  branch: z.string().min(1).nullable().default(null),
  pr: z.int().positive().nullable().default(null),
  labels: z.array(z.string()).default([]),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  closedAt: IsoTime.nullable().default(null),
  history: z.array(HistoryEntry).default([]),
  lifecycle: BeadLife.optional(),
  bd: BdOrigin.optional(),
});

/** The lifecycle engine's state for a convoy: running, stopped (epic unlabelled), delivered (convoy PR open / merged locally), closed. */
export const ConvoyLife = z.strictObject({
  status: z.enum(['running', 'stopped', 'delivered', 'closed']).default('running'),
  /** The convoy's delivery PR into the default branch, when the delivery opened one. */
  pr: z.int().positive().nullable().default(null),
});

export const Convoy = z.strictObject({
  id: BeadId,
  // Not capped like a bead's: the Mayor names convoys from the plan it writes; the CLI caps its own --title.
  title: z.string().refine((t) => t.trim() !== '', 'title must not be empty'),
  epic: z
    .strictObject({ repo: z.string().nullable().default(null), issue: z.int().positive() })
    .nullable()
    .default(null),
  beads: z.array(BeadId).default([]),
  branch: z.string().nullable().default(null),
  /** Identifies the epic this convoy was planned from (a text hash or "owner/repo#12"), so a rerun resumes it. */
  epicKey: z.string().min(1).nullable().default(null),
  lifecycle: ConvoyLife.optional(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

export type BeadType = z.infer<typeof BeadType>;
export type Role = z.infer<typeof Role>;
export type Status = z.infer<typeof Status>;
export type DepKind = z.infer<typeof DepKind>;
export type Dependency = z.infer<typeof Dependency>;
export type Assignee = z.infer<typeof Assignee>;
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export type Attempt = z.infer<typeof Attempt>;
export type BdOrigin = z.infer<typeof BdOrigin>;
export type BeadLife = z.infer<typeof BeadLife>;
export type ConvoyLife = z.infer<typeof ConvoyLife>;
export type Bead = z.infer<typeof Bead>;
export type BeadInput = z.input<typeof Bead>;
export type Convoy = z.infer<typeof Convoy>;
