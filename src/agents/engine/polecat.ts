// The Polecat: in its own worktree on polecat/<bead>, edits by search/replace blocks until the tests pass.
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import type { Bead } from '../../beads/schema.js';
import type { ChatMessage } from '../../providers/types.js';
import { parseEditBlocks } from '../edits/parse.js';
import { applyEditBlocks, formatEditReport } from '../edits/apply.js';
import { checkGdscriptFiles } from '../guard/check.js';
import { formatGuardFeedback } from '../guard/feedback.js';
import { runRigTests, formatTestFeedback } from '../rig/run-tests.js';
import { assembleContext, renderContext } from './context.js';
import { budgetFor, type EngineContext } from './types.js';
import { ask } from './ask.js';
import { ASK_CREW, crewRequestIn } from '../contracts.js';
import { CrewConsultant, type CrewTurn } from './consult.js';
import { beadText } from '../../fleet/prompt-tokens.js';

export interface PolecatResult {
  ok: boolean;
  branch: string;
  model: string | null;
  attempts: number;
  worktree: string;
}

export function polecatBranch(beadId: string): string {
  return `polecat/${beadId}`;
}

function taskMessage(bead: Bead, context: string, extra = ''): string {
  return [
    `# Bead ${bead.id}: ${bead.title}`,
    beadText(bead),
    '',
    '## Files (current content)',
    context || '(no files yet)',
    extra,
    '',
    'Answer only with search/replace edit blocks (file path line, <<<<<<< SEARCH, exact current lines, =======, new lines, >>>>>>> REPLACE).',
    `If you need a fact about the rig that these files do not show, answer only with one line "${ASK_CREW} <your question>" instead; the Crew answers from the rig's docs and you continue.`,
    'An empty SEARCH section creates a new file. Do not edit the tests, .gastown/, addons/, project.godot or .github/: edits there are refused.',
  ].join('\n');
}

/** Records one attempt on the bead (every attempt, for the escalation trail). */
async function recordAttempt(ctx: EngineContext, bead: Bead, model: string, outcome: 'pass' | 'fail' | 'error' | 'escalated', note: string): Promise<void> {
  await ctx.store.update(
    bead.id,
    (b) => {
      b.attempts.push({ n: b.attempts.length + 1, at: new Date().toISOString(), agent: `polecat-${bead.id}`, model, outcome, note: note.slice(0, 500) });
      return { note: `attempt ${b.attempts.length} with ${model}: ${outcome}` };
    },
    { by: `polecat-${bead.id}` },
  );
}

/**
 * Works one claimed bead. Each model on the switcher's ladder gets `attemptsPerModel` rounds in a fresh
 * worktree; the first green test run wins, is committed and pushed. Review comments, when given, start the
 * conversation so a revision addresses them.
 */
export async function runPolecat(ctx: EngineContext, bead: Bead, reviewFeedback?: string): Promise<PolecatResult> {
  const branch = polecatBranch(bead.id);
  const worktree = join(ctx.worktrees, branch.replace('/', '-'));
  const testDirs = ctx.rig.config.tests.dirs;
  let attempts = 0;
  const crew = new CrewConsultant(ctx, 'polecat', bead);
  for (let step = 0; ; step++) {
    const choice = await ctx.router.choose('polecat', step, bead);
    if (!choice) break;
    ctx.emit({ kind: 'model', role: 'polecat', model: choice.label, beadId: bead.id });
    // A revision continues from the pushed branch; a new model starts clean from the convoy branch.
    const base = reviewFeedback && step === 0 ? branch : ctx.convoyBranch;
    await ctx.git.worktree(worktree, branch, base === branch ? null : base);
    const context = renderContext(assembleContext(worktree, bead, budgetFor(ctx, bead), testDirs));
    const messages: ChatMessage[] = [
      { role: 'system', content: ctx.brief('polecat', ctx.rig) },
      { role: 'user', content: taskMessage(bead, context, reviewFeedback ? `\n## Review comments to address\n${reviewFeedback}` : '') },
    ];
    for (let round = 1; round <= ctx.attemptsPerModel; round++) {
      attempts++;
      let feedback: string;
      try {
        // A question to the Crew is not an attempt: its answer goes back and the same round goes on.
        const res = await crew.converse(
          messages,
          async (canAsk): Promise<CrewTurn<string>> => {
            const text = await ask(choice, messages, { role: 'polecat', beadId: bead.id, convoyId: ctx.convoyId }, (st) =>
              ctx.emit({ kind: 'model', role: 'polecat', model: choice.label, beadId: bead.id, tokensPerSecond: st.tokensPerSecond }),
            );
            const question = canAsk ? crewRequestIn(text) : null;
            return question ? { kind: 'ask', question, said: text } : { kind: 'answer', answer: text };
          },
          'Now answer with edit blocks.',
        );
        messages.push({ role: 'assistant', content: res });
        feedback = await tryEdits(ctx, worktree, res);
      } catch (err) {
        feedback = `the model call failed: ${(err as Error).message}`;
        await recordAttempt(ctx, bead, choice.label, 'error', feedback);
        break;
      }
      if (feedback === '') {
        await recordAttempt(ctx, bead, choice.label, 'pass', `tests green in round ${round}`);
        await ctx.git.commitAll(worktree, `${bead.id}: ${bead.title}`, `polecat-${bead.id}`);
        await ctx.git.push(worktree, branch, true);
        return { ok: true, branch, model: choice.label, attempts, worktree };
      }
      await recordAttempt(ctx, bead, choice.label, 'fail', feedback);
      ctx.emit({ kind: 'bead', beadId: bead.id, status: 'retry', model: choice.label, note: feedback.split('\n')[0] });
      messages.push({ role: 'user', content: `That did not work yet:\n${feedback}\n\nAnswer with corrected edit blocks only.` });
    }
    await recordAttempt(ctx, bead, choice.label, 'escalated', `no green run after ${ctx.attemptsPerModel} round(s); escalating`);
  }
  return { ok: false, branch, model: null, attempts, worktree };
}

/** Applies one answer; returns '' when the tests pass, else the feedback for the model. */
async function tryEdits(ctx: EngineContext, worktree: string, answer: string): Promise<string> {
  const parsed = parseEditBlocks(answer);
  if (parsed.blocks.length === 0) {
    return `No edit blocks found in your answer.${parsed.errors.length ? `\n${parsed.errors.join('\n')}` : ''}`;
  }
  // The protected-paths policy refuses test files, rig config, add-ons, CI and anything outside the rig, however
  // the path is spelled; a refused block fails the whole answer and its reason goes back to the model.
  const outcome = applyEditBlocks(worktree, parsed.blocks, { allOrNothing: true, policy: { role: 'polecat', rig: ctx.rig.config } });
  if (!outcome.ok || parsed.errors.length) return formatEditReport(outcome, parsed.errors);
  const gd: Record<string, string> = {};
  for (const p of outcome.written) if (p.endsWith('.gd') && existsSync(join(worktree, p))) gd[p] = readFileSync(join(worktree, p), 'utf8');
  const findings = checkGdscriptFiles(gd);
  if (findings.length) return formatGuardFeedback(findings);
  const result = await runRigTests(worktree, ctx.rig.config, { env: ctx.testEnv });
  return result.passed ? '' : formatTestFeedback(result);
}
