// The runner-side job contract: what `gth job <kind> --bead <id>` asks of the engine, validated before anything runs.
import { z } from 'zod';
import { BeadId } from '../beads/schema.js';
import { JOB_KINDS } from './dispatch.js';

export const JobKind = z.enum(JOB_KINDS);

export const JobRequest = z
  .strictObject({
    kind: JobKind,
    beadId: BeadId,
    /** Pull request under review; only for refinery-review, which needs it. */
    pr: z.int().positive().nullable(),
    convoy: BeadId.nullable(),
    /** Checkout the job runs in (the runner's workspace). */
    cwd: z.string().min(1),
    /** The lifecycle attempt the app dispatched this run for (machine.ts: attemptKey); absent when none was named. */
    attempt: z.string().regex(/^r\d+t\d+$/, 'expected a lifecycle attempt such as r0t1 (revision and try)').optional(),
  })
  .refine((r) => (r.kind === 'refinery-review') === (r.pr !== null), {
    message: '--pr is required for refinery-review and not accepted for other jobs',
    path: ['pr'],
  });
export type JobRequest = z.infer<typeof JobRequest>;

export const JobResult = z.strictObject({
  ok: z.boolean(),
  summary: z.string(),
});
export type JobResult = z.infer<typeof JobResult>;

/** Implemented by the agent engine (fleet planner + runtime + agents); the CLI only validates and delegates. */
export interface JobRunner {
  run(req: JobRequest, env: NodeJS.ProcessEnv): Promise<JobResult>;
}

/** `gth job refinery-review --pr N [--bead ID]`: runs on a checkout of the default branch, not of a convoy branch. */
export const ReviewJobRequest = z.strictObject({
  pr: z.int().positive(),
  /** The bead the app named from the PR's branch (null for a person's PR); checked against the branch again by the job. */
  beadId: BeadId.nullable(),
  /** The workflow's checkout of the default branch (trusted code and config; no persisted credentials). */
  cwd: z.string().min(1),
});
export type ReviewJobRequest = z.infer<typeof ReviewJobRequest>;

export interface ReviewJobRunner {
  review(req: ReviewJobRequest, env: NodeJS.ProcessEnv): Promise<JobResult>;
}
