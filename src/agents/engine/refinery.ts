// The Refinery: tests first on the convoy branch before any Polecat starts, and PR reviews with a verdict.
import { join, dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Bead } from '../../beads/schema.js';
import { RefineryTests, RefineryReview } from '../contracts.js';
import { writeFileAtomicSync } from '../../util/atomic-write.js';
import { parseEditBlocks } from '../edits/parse.js';
import { applyEditBlocks, formatEditReport, safePath } from '../edits/apply.js';
import { checkGdscriptFiles } from '../guard/check.js';
import { formatGuardFeedback } from '../guard/feedback.js';
import { checkCoverage } from '../rig/coverage.js';
import { formatTestFeedback, type TestRunResult } from '../rig/run-tests.js';
import { assembleContext, renderContext } from './context.js';
import { askJson } from './ask.js';
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
  const messages = [
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
  let problems: string[] = [];
  for (let round = 0; round < 2; round++) {
    const choice = await ctx.router.choose('refinery', 0, bead);
    if (!choice) throw new GthError('no model is configured for the refinery role');
    ctx.emit({ kind: 'model', role: 'refinery', model: choice.label, beadId: bead.id });
    if (problems.length) messages.push({ role: 'user', content: `Fix these problems and answer again with the whole JSON:\n${problems.join('\n')}` });
    const out = await askJson(choice, messages, { role: 'refinery', beadId: bead.id, convoyId: ctx.convoyId }, RefineryTests, 'refinery_tests');
    problems = [];
    const files: Record<string, string> = {};
    for (const f of out.files) {
      if (!testDirs.some((d) => f.path.startsWith(`${d}/`))) problems.push(`${f.path}: tests must be inside ${testDirs.join(' or ')}`);
      const where = safePath(worktree, f.path);
      if ('error' in where) problems.push(`${f.path}: ${where.error}`);
      files[f.path] = f.content;
    }
    const guard = checkGdscriptFiles(Object.fromEntries(Object.entries(files).filter(([p]) => p.endsWith('.gd'))));
    if (guard.length) problems.push(formatGuardFeedback(guard));
    if (problems.length) continue;
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(worktree, path)), { recursive: true });
      writeFileAtomicSync(join(worktree, path), content);
    }
    const written = Object.keys(files);
    if (out.edits.trim()) {
      const parsed = parseEditBlocks(out.edits);
      const applied = applyEditBlocks(worktree, parsed.blocks, { allOrNothing: true });
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
  diff: string;
  tests: TestRunResult;
  worktree: string;
}

/** Reviews a Polecat's branch; the coverage rule is measured here, not taken from the model's word. */
export async function reviewChange(ctx: EngineContext, input: ReviewInput): Promise<RefineryReview> {
  const coverage = checkCoverage(input.worktree, ctx.rig.config);
  const choice = await ctx.router.choose('refinery', 0, input.bead);
  if (!choice) throw new GthError('no model is configured for the refinery role');
  ctx.emit({ kind: 'model', role: 'refinery', model: choice.label, beadId: input.bead.id });
  const review = await askJson(
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
