// The Crew as a consultant: a role's mid-task rig question answered from the rig's docs, in the ledger and the bead's history.
import type { Bead, Role } from '../../beads/schema.js';
import { applyBeadEvent } from '../../lifecycle/persist.js';
import { DEFAULT_POLICY } from '../../lifecycle/machine.js';
import { NOT_IN_DOCS, type CrewAnswer } from '../contracts.js';
import { askCrew } from './crew.js';
import type { EngineContext } from './types.js';

/** Questions one role run may ask; past that, requests are treated as ordinary (failed) answers. */
export const MAX_CREW_CONSULTS = 3;

/**
 * Asks the Crew `question` for `role` working on `bead` and returns the text the role gets back. The Crew's call
 * is metered under the convoy and the bead; the question and answer become a note in the bead's history.
 */
export async function consultCrew(ctx: EngineContext, role: Role, bead: Bead, question: string): Promise<string> {
  const choice = await ctx.router.choose('crew', 0, bead);
  const answer: CrewAnswer = choice
    ? await askCrew(choice, ctx.rig, question, ctx.brief, ctx.convoyId, bead.id)
    : { answer: `${NOT_IN_DOCS} (no Crew model is configured)`, found: false, citations: [] };
  const recorded = await applyBeadEvent(
    ctx.store,
    bead.id,
    { type: 'consulted', role, question, answer: answer.answer, found: answer.found, citations: answer.citations },
    { policy: DEFAULT_POLICY, stopped: false, by: 'crew' },
  );
  if (!recorded.ok) ctx.log.info({ bead: bead.id, refusal: recorded.refusal }, 'crew consultation not recorded in the bead history');
  ctx.emit({ kind: 'model', role: 'crew', model: choice?.label ?? 'none', beadId: bead.id });
  const cited = answer.citations.length ? ` (from ${answer.citations.join(', ')})` : '';
  return answer.found ? `The Crew answers${cited}: ${answer.answer}` : `The Crew says: ${answer.answer}. Decide from the files you have.`;
}
