// The shape of eval/tasks/<name>/task.yml: the bead, the rig state, the tests and the expected outcome.
import { z } from 'zod';
import { BeadType } from '../beads/schema.js';

const RelPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'expected a path inside the task folder');

/** The bead as the Mayor would write it. */
export const EvalBead = z.strictObject({
  title: z.string().min(1),
  description: z.string().default(''),
  type: BeadType.default('feature'),
  files: z.array(RelPath).default([]),
  acceptance: z.array(z.string().min(1)).default([]),
});
export type EvalBead = z.infer<typeof EvalBead>;

/** Rig state: a base rig from <tasks>/_rigs/<base> with the task's `overlay` folder copied over it. */
export const EvalRig = z.strictObject({
  base: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected the name of a folder under _rigs/'),
  overlay: RelPath.optional(),
});

export const TokenBand = z.enum(['small', 'medium', 'large']);
export type TokenBand = z.infer<typeof TokenBand>;
/** Upper prompt-token bound of each band (large has none): <6k, 6k-14k, >14k. */
export const BAND_LIMITS: Record<TokenBand, [number, number]> = { small: [0, 6000], medium: [6000, 14000], large: [14000, Infinity] };

export const DefectKind = z.enum(['godot3-api', 'missing-null-check', 'untested-branch', 'wrong-signal-signature', 'other']);

export const PlantedDefect = z.strictObject({
  file: RelPath,
  /** 1-based line in the changed file (the state after the change). */
  line: z.int().positive(),
  kind: DefectKind,
  /** Words a review comment uses when it names this defect (case-insensitive), e.g. ["yield", "await"]. */
  keywords: z.array(z.string().min(2)).min(1),
});
export type PlantedDefect = z.infer<typeof PlantedDefect>;

const Common = {
  description: z.string().default(''),
  bead: EvalBead,
  rig: EvalRig,
};

export const PolecatTask = z.strictObject({
  ...Common,
  kind: z.literal('polecat'),
  band: TokenBand,
  /** The tests the Refinery would write (paths in the rig state); the Polecat must make them pass. */
  tests: z.array(RelPath).min(1),
  /** The reference answer as search/replace edit blocks against the rig state, in the Polecat's own format. */
  solution: RelPath,
  expected: z.strictObject({ pass: z.literal(true).default(true) }).default({ pass: true }),
});

export const RefineryTask = z.strictObject({
  ...Common,
  kind: z.literal('refinery'),
  tests: z.array(RelPath).default([]),
  /** Folder of files the reviewed change writes, overlaid on a branch: the diff the Refinery sees. */
  change: RelPath,
  expected: z.strictObject({
    verdict: z.enum(['approve', 'request_changes']).default('request_changes'),
    defects: z.array(PlantedDefect).min(1),
  }),
});

export const LibrarianTask = z.strictObject({
  ...Common,
  kind: z.literal('librarian'),
  expected: z.strictObject({
    /** Doc-gap keys (e.g. "func:reset") the Librarian must document. */
    documented: z.array(z.string().min(3)).min(1),
  }),
});

export const EvalTaskSpec = z.discriminatedUnion('kind', [PolecatTask, RefineryTask, LibrarianTask]);
export type EvalTaskSpec = z.infer<typeof EvalTaskSpec>;
export type PolecatTaskSpec = z.infer<typeof PolecatTask>;
export type RefineryTaskSpec = z.infer<typeof RefineryTask>;
export type LibrarianTaskSpec = z.infer<typeof LibrarianTask>;
export const EvalKind = z.enum(['polecat', 'refinery', 'librarian']);
export type EvalKind = z.infer<typeof EvalKind>;
