// The review seat of an eval run whose model is not the Refinery's: the Refinery's rules alone, without a model.
import type { Reviewer } from '../agents/engine/bead-jobs.js';
import { enforceReviewRules } from '../agents/engine/refinery.js';
import { checkCoverage } from '../agents/rig/coverage.js';

/**
 * Eval of a Polecat measures the Polecat, so no model reviews its change; but the rules no model may overrule still
 * judge it (a diff touching protected paths, failing tests or a missed coverage rule get changes requested), and
 * the bead goes through the review step, revisions and merge exactly as in `run-epic`.
 */
export const rulesOnlyReview: Reviewer = async (ctx, input) => {
  const coverage = checkCoverage(input.worktree, ctx.rig.config);
  const approve = {
    verdict: 'approve' as const,
    summary: 'eval: judged by the rules alone (tests, coverage, protected paths), no Refinery model',
    comments: [],
    coverage: coverage ? { ok: coverage.ok, detail: coverage.detail } : { ok: true, detail: 'the rig has no coverage rule' },
  };
  return enforceReviewRules(approve, input, coverage, ctx.rig.config);
};
