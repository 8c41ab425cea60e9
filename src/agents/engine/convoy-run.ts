// Moves a planned convoy's beads: tests first, then Polecats, reviews and merges, then the Librarian.
import type { Bead } from '../../beads/schema.js';
import { readyBeads } from '../../beads/graph.js';
import { checkCoverage } from '../rig/coverage.js';
import { runRigTests } from '../rig/run-tests.js';
import { runPolecat, polecatBranch } from './polecat.js';
import { writeTestsFirst, reviewChange, convoyWorktree } from './refinery.js';
import { runLibrarian } from './librarian.js';
import { askCrew } from './crew.js';
import type { EngineContext } from './types.js';

const TESTS_LABEL = 'tests-written';

async function convoyBeads(ctx: EngineContext): Promise<Bead[]> {
  const convoy = await ctx.store.getConvoy(ctx.convoyId);
  const ids = new Set(convoy.beads);
  return (await ctx.store.list()).filter((b) => ids.has(b.id));
}

/** Beads left in_progress or review by an interrupted run go back to a state this run can pick up. */
export async function recoverInterrupted(ctx: EngineContext): Promise<string[]> {
  const recovered: string[] = [];
  for (const b of await convoyBeads(ctx)) {
    if (b.status === 'in_progress') {
      await ctx.store.update(b.id, (d) => {
        d.assignee = null;
        return { to: 'open', note: 'resumed: the run working on it was interrupted' };
      }, { by: 'engine' });
      recovered.push(b.id);
    }
  }
  return recovered;
}

/** Refinery writes tests on the convoy branch for every code bead that has none yet, before any Polecat. */
export async function testsFirst(ctx: EngineContext): Promise<void> {
  ctx.emit({ kind: 'phase', phase: 'refinery: tests first' });
  const worktree = convoyWorktree(ctx);
  await ctx.git.worktree(worktree, ctx.convoyBranch, null);
  for (const bead of await convoyBeads(ctx)) {
    if (bead.role !== 'polecat' || bead.labels.includes(TESTS_LABEL) || bead.status !== 'open') continue;
    try {
      const files = await writeTestsFirst(ctx, bead, worktree);
      await ctx.git.commitAll(worktree, `${bead.id}: tests first (refinery)`, 'refinery');
      await ctx.git.push(worktree, ctx.convoyBranch);
      await ctx.store.update(bead.id, (d) => {
        d.labels.push(TESTS_LABEL);
        d.files = [...new Set([...d.files, ...files])];
        return { note: `refinery wrote ${files.join(', ')}` };
      }, { by: 'refinery' });
      ctx.emit({ kind: 'bead', beadId: bead.id, status: 'tests written' });
    } catch (err) {
      await ctx.store.transition(bead.id, 'blocked', { by: 'refinery', note: `no tests: ${(err as Error).message.slice(0, 300)}` });
      ctx.emit({ kind: 'bead', beadId: bead.id, status: 'blocked', note: (err as Error).message });
    }
  }
}

async function mergeIntoConvoy(ctx: EngineContext, branch: string, message: string): Promise<void> {
  const worktree = convoyWorktree(ctx);
  await ctx.git.worktree(worktree, ctx.convoyBranch, null);
  await ctx.git.merge(worktree, branch, message);
  await ctx.git.push(worktree, ctx.convoyBranch);
}

/** One Polecat bead from claim to merge: work, review, one revision on requested changes. */
async function workPolecatBead(ctx: EngineContext, bead: Bead): Promise<void> {
  const agent = `polecat-${bead.id}`;
  let current = await ctx.store.claimLocal(bead.id, { agent, model: null });
  ctx.emit({ kind: 'bead', beadId: bead.id, status: 'in_progress' });
  let feedback: string | undefined;
  for (let revision = 0; revision < 2; revision++) {
    const result = await runPolecat(ctx, current, feedback);
    if (!result.ok) {
      await ctx.store.update(bead.id, () => ({ to: 'failed', note: `no model on the ladder made the tests pass (${result.attempts} attempt(s))` }), { by: agent });
      ctx.emit({ kind: 'bead', beadId: bead.id, status: 'failed' });
      return;
    }
    current = await ctx.store.update(bead.id, (d) => {
      d.branch = result.branch;
      if (d.assignee) d.assignee.model = result.model;
      return { to: 'review', note: `tests green on ${result.branch} with ${result.model}` };
    }, { by: agent });
    ctx.emit({ kind: 'bead', beadId: bead.id, status: 'review', model: result.model ?? undefined });
    const tests = await runRigTests(result.worktree, ctx.rig.config, { env: ctx.testEnv });
    const diff = await ctx.git.diff(result.worktree, ctx.convoyBranch);
    const review = await reviewChange(ctx, { bead: current, diff, tests, worktree: result.worktree });
    if (review.verdict === 'approve') {
      await mergeIntoConvoy(ctx, polecatBranch(bead.id), `Merge ${polecatBranch(bead.id)}: ${bead.title}`);
      await ctx.store.update(bead.id, () => ({ to: 'done', note: `approved by refinery: ${review.summary}` }), { by: 'refinery' });
      ctx.emit({ kind: 'bead', beadId: bead.id, status: 'done' });
      return;
    }
    feedback = [review.summary, ...review.comments.map((c) => `${c.path}:${c.line}: ${c.body}`)].join('\n');
    current = await ctx.store.update(bead.id, () => ({ to: revision === 0 ? 'in_progress' : 'failed', note: `refinery requested changes: ${review.summary}` }), { by: 'refinery' });
    ctx.emit({ kind: 'bead', beadId: bead.id, status: current.status, note: review.summary });
    if (current.status === 'failed') return;
  }
}

async function workOtherBead(ctx: EngineContext, bead: Bead): Promise<void> {
  const agent = `${bead.role ?? 'agent'}-${bead.id}`;
  await ctx.store.claimLocal(bead.id, { agent, model: null });
  ctx.emit({ kind: 'bead', beadId: bead.id, status: 'in_progress' });
  if (bead.role === 'librarian') {
    const r = await runLibrarian(ctx, bead);
    if (r.ok) {
      await ctx.store.update(bead.id, (d) => void (d.branch = r.branch), { by: agent });
      await mergeIntoConvoy(ctx, r.branch, `Merge ${r.branch}: ${bead.title}`);
      await ctx.store.update(bead.id, () => ({ to: 'done', note: `documented ${r.documented.length} declaration(s); code unchanged` }), { by: agent });
    } else {
      await ctx.store.update(bead.id, () => ({ to: 'failed', note: r.problems.join('\n').slice(0, 800) }), { by: agent });
    }
  } else if (bead.role === 'refinery') {
    const worktree = convoyWorktree(ctx);
    await ctx.git.worktree(worktree, ctx.convoyBranch, null);
    const coverage = checkCoverage(worktree, ctx.rig.config);
    const tests = await runRigTests(worktree, ctx.rig.config, { env: ctx.testEnv });
    const ok = tests.passed && (!coverage || coverage.ok);
    await ctx.store.update(bead.id, () => ({ to: ok ? 'done' : 'failed', note: `convoy tests ${tests.passed ? 'pass' : 'fail'}; ${coverage?.detail ?? 'no coverage rule'}` }), { by: agent });
  } else if (bead.role === 'crew') {
    const choice = await ctx.router.choose('crew', 0, bead);
    const answer = choice ? await askCrew(choice, ctx.rig, `${bead.title}\n${bead.description}`, ctx.brief, ctx.convoyId) : null;
    await ctx.store.update(bead.id, () => ({ to: answer ? 'done' : 'failed', note: answer ? `${answer.answer} [${answer.citations.join(', ')}]`.slice(0, 800) : 'no crew model configured' }), { by: agent });
  } else {
    await ctx.store.update(bead.id, () => ({ to: 'failed', note: `no procedure for role ${bead.role ?? 'none'}` }), { by: agent });
  }
  ctx.emit({ kind: 'bead', beadId: bead.id, status: (await ctx.store.get(bead.id)).status });
}

/** Works ready beads until none is left; Polecat beads before others of the same readiness. */
export async function workConvoy(ctx: EngineContext): Promise<void> {
  ctx.emit({ kind: 'phase', phase: 'polecats' });
  for (;;) {
    const ready = readyBeads(await convoyBeads(ctx));
    const next = ready.find((b) => b.role === 'polecat') ?? ready[0];
    if (!next) return;
    if (next.role === 'polecat') await workPolecatBead(ctx, next);
    else await workOtherBead(ctx, next);
  }
}
