// The Refinery: tests first on the convoy branch before any Polecat starts, and PR reviews with a verdict.
import { join, dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Bead } from '../../beads/schema.js';
import { RefineryTests, RefineryReview } from '../contracts.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { parseEditBlocks } from '../edits/parse.js';
import { applyEditBlocks, formatEditReport } from '../edits/apply.js';
import { resolveRigPath, diffFileNames, protectedPathsInDiff, type EditPolicy } from '../policy/protected-paths.js';
import { checkGdscriptFiles } from '../guard/check.js';
import { formatGuardFeedback } from '../guard/feedback.js';
import { checkCoverage, type CoverageReport } from '../rig/coverage.js';
import { formatTestFeedback, type TestRunResult } from '../rig/run-tests.js';
import { assembleContext, renderContext } from './context.js';
import { CrewConsultant } from './consult.js';
import type { ChatMessage } from '../../providers/types.js';
import { budgetFor, type EngineContext } from './types.js';
import { beadText } from '../../fleet/prompt-tokens.js';
import { GthError } from '../../util/errors.js';

export function convoyWorktree(ctx: EngineContext): string {
  return join(ctx.worktrees, `convoy-${ctx.convoyId}`);
}

/**
 * Writes the tests for one code bead on the convoy branch. Tests must live in the rig's test folders and
 * pass the Godot 4 guard; a bad answer is sent back once with the problems, then the bead fails.
 */
export async function writeTestsFirst(ctx: EngineContext, bead: Bead, worktree: string): Promise<string[]> {
  const testDirs = ctx.rig.config.tests.dirs;
  const framework = ctx.rig.config.tests.framework;
  const context = renderContext(assembleContext(worktree, bead, budgetFor(ctx, bead), testDirs));
  const messages: ChatMessage[] = [
    { role: 'system' as const, content: ctx.brief('refinery', ctx.rig) },
    {
      role: 'user' as const,
      content: [
        `# Write the tests first for bead ${bead.id}: ${bead.title}`,
        beadText(bead),
        '',
        `Framework: ${framework}. Test folders: ${testDirs.join(', ')}. The code does not exist yet or is incomplete: the tests must fail until a Polecat implements the bead.`,
        '## Rig files',
        context,
        '',
        'Answer as JSON: {"summary": "...", "files": [{"path": "test/...", "content": "..."}], "edits": ""}.',
      ].join('\n'),
    },
  ];
  // Tests first may write only inside the rig's test folders, the same policy every model edit goes through.
  const policy: EditPolicy = { role: 'refinery-tests', rig: ctx.rig.config };
  let problems: string[] = [];
  // A Crew question is not one of the two rounds: the answer joins the conversation and the same round goes on.
  const crew = new CrewConsultant(ctx, 'refinery', bead);
  for (let round = 0; round < 2; round++) {
    const choice = await ctx.router.choose('refinery', 0, bead);
    if (!choice) throw new GthError('no model is configured for the refinery role');
    ctx.emit({ kind: 'model', role: 'refinery', model: choice.label, beadId: bead.id });
    if (problems.length) messages.push({ role: 'user', content: `Fix these problems and answer again with the whole JSON:\n${problems.join('\n')}` });
    const out = await crew.askJson(choice, messages, { role: 'refinery', beadId: bead.id, convoyId: ctx.convoyId }, RefineryTests, 'refinery_tests');
    problems = [];
    // Keyed by the normalised path, written to the resolved file: what was checked is what is written.
    const files = new Map<string, { abs: string; content: string }>();
    for (const f of out.files) {
      const where = resolveRigPath(worktree, f.path, policy);
      if (!where.ok) problems.push(`${f.path}: refused: ${where.reason}`);
      else files.set(where.path, { abs: where.abs, content: f.content });
    }
    const guard = checkGdscriptFiles(Object.fromEntries([...files].filter(([p]) => p.endsWith('.gd')).map(([p, f]) => [p, f.content])));
    if (guard.length) problems.push(formatGuardFeedback(guard));
    if (out.edits.trim()) {
      // Checked before anything is written, so a refused edit block leaves the test files unwritten too.
      for (const b of parseEditBlocks(out.edits).blocks) {
        const where = resolveRigPath(worktree, b.path, policy);
        if (!where.ok) problems.push(`${b.path}: refused: ${where.reason}`);
      }
    }
    if (problems.length) continue;
    for (const f of files.values()) {
      mkdirSync(dirname(f.abs), { recursive: true });
      writeFileAtomicSync(f.abs, f.content);
    }
    const written = [...files.keys()];
    if (out.edits.trim()) {
      const parsed = parseEditBlocks(out.edits);
      const applied = applyEditBlocks(worktree, parsed.blocks, { allOrNothing: true, policy });
      if (!applied.ok || parsed.errors.length) {
        problems.push(formatEditReport(applied, parsed.errors));
        continue;
      }
      written.push(...applied.written);
    }
    return written;
  }
  throw new GthError(`refinery could not write valid tests for ${bead.id}:\n${problems.join('\n')}`);
}

export interface ReviewInput {
  bead: Bead;
  /** The change against the convoy (or base) branch, as `git diff base...HEAD` prints it. */
  diff: string;
  tests: TestRunResult;
  worktree: string;
}

/** Comments for a change that touches protected paths; empty when it touches none. Pure. */
export function protectedPathComments(diff: string, rig: EngineContext['rig']['config']): RefineryReview['comments'] {
  return protectedPathsInDiff(diffFileNames(diff), rig).map((h) => ({
    path: h.path,
    line: 1,
    body: `This change touches a protected path and cannot be approved: ${h.reason}.`,
  }));
}

/** Reviews a Polecat's branch; the coverage rule is measured here, not taken from the model's word. */
export async function reviewChange(ctx: EngineContext, input: ReviewInput): Promise<RefineryReview> {
  const coverage = checkCoverage(input.worktree, ctx.rig.config);
  const choice = await ctx.router.choose('refinery', 0, input.bead);
  if (!choice) throw new GthError('no model is configured for the refinery role');
  ctx.emit({ kind: 'model', role: 'refinery', model: choice.label, beadId: input.bead.id });
  const review = await new CrewConsultant(ctx, 'refinery', input.bead).askJson(
    choice,
    [
      { role: 'system', content: ctx.brief('refinery', ctx.rig) },
      {
        role: 'user',
        content: [
          `# Review the change for bead ${input.bead.id}: ${input.bead.title}`,
          beadText(input.bead),
          '## Diff',
          '```diff',
          input.diff,
          '```',
          '## Test results',
          input.tests.passed ? `all ${input.tests.counts.passed} test(s) passed` : formatTestFeedback(input.tests),
          '## Coverage rule',
          coverage ? coverage.detail : 'the rig has no coverage rule',
          '',
          'Answer as JSON: {"verdict": "approve" | "request_changes", "summary": "...", "comments": [{"path": "...", "line": 1, "body": "..."}], "coverage": {"ok": true, "detail": "..."}}.',
        ].join('\n'),
      },
    ],
    { role: 'refinery', beadId: input.bead.id, convoyId: ctx.convoyId },
    RefineryReview,
    'refinery_review',
  );
  return enforceReviewRules(review, input, coverage, ctx.rig.config);
}

/**
 * The rules no model's word overrides, applied to a review's verdict: a diff touching protected paths is never
 * approved, nor is a change whose tests fail or that misses the measured coverage rule. Pure; also the whole
 * judgement where no Refinery model sits in the review seat (eval of another role).
 */
export function enforceReviewRules(review: RefineryReview, input: Pick<ReviewInput, 'bead' | 'diff' | 'tests'>, coverage: CoverageReport | null, rig: EngineContext['rig']['config']): RefineryReview {
  // A change touching the tests, the rig config, add-ons or CI is judged by nothing the model says: it fails.
  const touched = protectedPathComments(input.diff, rig);
  if (touched.length) {
    return {
      ...review,
      verdict: 'request_changes',
      summary: `Changes requested: the diff touches protected path(s) ${touched.map((c) => c.path).join(', ')}; the work is judged on the Refinery's tests as committed on the convoy branch. ${review.summary}`.trim(),
      coverage: coverage ? { ok: coverage.ok, detail: coverage.detail } : review.coverage,
      comments: [...touched, ...review.comments],
    };
  }
  // The measured coverage and the test run overrule the model: it cannot approve what fails them.
  if (review.verdict === 'approve' && (!input.tests.passed || (coverage && !coverage.ok))) {
    return {
      ...review,
      verdict: 'request_changes',
      coverage: coverage ? { ok: coverage.ok, detail: coverage.detail } : review.coverage,
      comments: review.comments.length
        ? review.comments
        : [{ path: input.bead.files[0] ?? 'README.md', line: 1, body: coverage && !coverage.ok ? coverage.detail : 'tests are failing' }],
    };
  }
  return coverage ? { ...review, coverage: { ok: coverage.ok, detail: coverage.detail } } : review;
}
