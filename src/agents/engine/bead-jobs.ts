// The lifecycle's jobs run in this process (run-epic, the runner's `gth job`, eval): each role procedure's result as machine events.
import { join } from 'node:path';
import type { Bead } from '../../beads/schema.js';
import type { BeadEvent, JobKind, RunJobEffect } from '../../lifecycle/machine.js';
import type { FollowUp, JobStarter } from '../../lifecycle/effects.js';
import { errorMessage } from '../../util/errors.js';
import { checkCoverage } from '../rig/coverage.js';
import { runRigTests } from '../rig/run-tests.js';
import { askCrew } from './crew.js';
import { runLibrarian } from './librarian.js';
import { polecatBranch, runPolecat } from './polecat.js';
import { convoyWorktree, reviewChange, writeTestsFirst, type ReviewInput } from './refinery.js';
import type { RefineryReview } from '../contracts.js';
import type { EngineContext } from './types.js';

/** Tests first on the convoy branch: written, committed and pushed in the convoy worktree. */
async function testsJob(ctx: EngineContext, bead: Bead, worktree = convoyWorktree(ctx), push = true): Promise<BeadEvent> {
  if (push) await ctx.git.worktree(worktree, ctx.convoyBranch, null);
  let files: string[];
  try {
    files = await writeTestsFirst(ctx, bead, worktree);
  } catch (err) {
    // The Refinery had its repair round inside writeTestsFirst: trying the same again would not help.
    return { type: 'jobFailed', job: 'refinery-tests', outcome: 'gave_up', reason: `no tests: ${errorMessage(err).slice(0, 600)}` };
  }
  if (push) {
    await ctx.git.commitAll(worktree, `${bead.id}: tests first (refinery)`, 'refinery');
    await ctx.git.push(worktree, ctx.convoyBranch);
  }
  return { type: 'testsWritten', files };
}

/** A Refinery bead of its own: the convoy's tests and coverage rule, measured on the convoy branch. */
async function convoyCheckJob(ctx: EngineContext, worktree = convoyWorktree(ctx), checkout = true): Promise<BeadEvent> {
  if (checkout) await ctx.git.worktree(worktree, ctx.convoyBranch, null);
  const tests = await runRigTests(worktree, ctx.rig.config, { env: ctx.testEnv });
  const coverage = checkCoverage(worktree, ctx.rig.config);
  return { type: 'checked', ok: tests.passed && (!coverage || coverage.ok), note: `convoy tests ${tests.passed ? 'pass' : 'fail'}; ${coverage?.detail ?? 'no coverage rule'}` };
}

async function polecatJob(ctx: EngineContext, bead: Bead, feedback: string | null): Promise<BeadEvent> {
  const r = await runPolecat(ctx, bead, feedback ?? undefined);
  if (!r.ok) return { type: 'jobFailed', job: 'polecat', outcome: 'gave_up', reason: `no model on the ladder made the tests pass (${r.attempts} attempt(s))` };
  return { type: 'codePushed', branch: r.branch, model: r.model, note: `tests green on ${r.branch} with ${r.model}` };
}

/**
 * Who gives a review's verdict: the Refinery's model (reviewChange), or, where no Refinery model sits in the
 * review seat (eval of another role), the rules alone. The review job around it is the same either way.
 */
export type Reviewer = (ctx: EngineContext, input: ReviewInput) => Promise<RefineryReview>;

/** The Refinery reviews the bead's pushed branch against the convoy branch, with the rig's tests run for real. */
async function reviewJob(ctx: EngineContext, bead: Bead, reviewer: Reviewer): Promise<BeadEvent> {
  const branch = bead.branch ?? polecatBranch(bead.id);
  // The agent's own worktree path: git allows one worktree per branch, and a revision re-creates it anyway.
  const worktree = join(ctx.worktrees, branch.replace('/', '-'));
  await ctx.git.worktree(worktree, branch, null);
  const tests = await runRigTests(worktree, ctx.rig.config, { env: ctx.testEnv });
  const diff = await ctx.git.diff(worktree, ctx.convoyBranch);
  const review = await reviewer(ctx, { bead, diff, tests, worktree });
  // The whole review (comments with their lines) for progress views and eval; the machine gets the verdict.
  ctx.emit({ kind: 'bead', beadId: bead.id, status: 'review', note: `${review.verdict}: ${review.summary}`, review });
  if (review.verdict === 'approve') return { type: 'reviewPassed', by: 'refinery', summary: review.summary };
  return { type: 'changesRequested', by: 'refinery', feedback: [review.summary, ...review.comments.map((c) => `${c.path}:${c.line}: ${c.body}`)].join('\n') };
}

async function librarianJob(ctx: EngineContext, bead: Bead): Promise<BeadEvent> {
  const r = await runLibrarian(ctx, bead);
  if (!r.ok) return { type: 'jobFailed', job: 'librarian', outcome: 'gave_up', reason: r.problems.join('\n').slice(0, 800) };
  // Bugs the Librarian saw (and must not fix) stay on the bead's history, where the team plans follow-up beads from.
  const seen = r.notes.length ? `; bugs noted: ${r.notes.join(' | ')}` : '';
  return { type: 'codePushed', branch: r.branch, model: null, note: `documented ${r.documented.length} declaration(s); code unchanged${seen}`.slice(0, 800) };
}

async function crewJob(ctx: EngineContext, bead: Bead): Promise<BeadEvent> {
  const choice = await ctx.router.choose('crew', 0, bead);
  if (!choice) return { type: 'jobFailed', job: 'crew', outcome: 'gave_up', reason: 'no crew model configured' };
  const answer = await askCrew(choice, ctx.rig, `${bead.title}\n${bead.description}`, ctx.brief, ctx.convoyId);
  return { type: 'checked', ok: true, note: `${answer.answer} [${answer.citations.join(', ')}]`.slice(0, 800) };
}

/** Runs one job for `bead` and says how it went, as the event the machine expects. Never throws for a job's own failure. */
export async function runBeadJob(
  ctx: EngineContext,
  job: JobKind,
  bead: Bead,
  feedback: string | null,
  where?: { worktree: string; checkout: boolean },
  reviewer: Reviewer = reviewChange,
): Promise<BeadEvent> {
  try {
    switch (job) {
      case 'refinery-tests':
        return bead.role === 'refinery' ? await convoyCheckJob(ctx, where?.worktree, where?.checkout) : await testsJob(ctx, bead, where?.worktree, where?.checkout);
      case 'polecat':
        return await polecatJob(ctx, bead, feedback);
      case 'refinery-review':
        return await reviewJob(ctx, bead, reviewer);
      case 'librarian':
        return await librarianJob(ctx, bead);
      case 'crew':
        return await crewJob(ctx, bead);
    }
  } catch (err) {
    // A crash of the job itself (git, a model server gone): the machine retries it with back-off.
    ctx.log.warn({ err, bead: bead.id, job }, 'job failed');
    return { type: 'jobFailed', job, outcome: 'failure', reason: errorMessage(err).slice(0, 600) };
  }
}

export interface InProcessJobsOptions {
  sleep?: (ms: number) => Promise<void>;
  /** The review seat (default: the Refinery's model). */
  reviewer?: Reviewer;
}

/** The in-process JobStarter: waits out the back-off, runs the job, hands its result back to the driver. */
export function inProcessJobs(ctx: EngineContext, o: InProcessJobsOptions = {}): JobStarter {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return {
    async start(e: RunJobEffect, bead: Bead): Promise<FollowUp[]> {
      if (e.delayMs > 0) await sleep(e.delayMs);
      ctx.emit({ kind: 'bead', beadId: bead.id, status: e.try > 1 ? 'retry' : bead.status, note: `${e.job}${e.try > 1 ? ` (try ${e.try})` : ''}` });
      return [{ beadId: bead.id, event: await runBeadJob(ctx, e.job, bead, e.feedback, undefined, o.reviewer) }];
    },
  };
}
