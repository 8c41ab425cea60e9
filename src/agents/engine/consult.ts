// The Crew as a consultant: a role's mid-task rig question answered from the rig's docs, in the ledger and the bead's history.
import type { z } from 'zod';
import type { Bead, Role } from '../../beads/schema.js';
import type { CallMeta, ChatMessage } from '../../providers/types.js';
import { applyBeadEvent } from '../../lifecycle/persist.js';
import { DEFAULT_POLICY } from '../../lifecycle/machine.js';
import { MAX_CREW_CONSULTS, NOT_IN_DOCS, crewQuestionOf, withCrewRequest, type CrewAnswer } from '../contracts.js';
import { askCrew } from './crew.js';
import { askJson } from './ask.js';
import type { ModelChoice } from './router.js';
import type { EngineContext } from './types.js';
import { GthError, errorMessage } from '../../util/errors.js';

export { MAX_CREW_CONSULTS } from '../contracts.js';

/**
 * Asks the Crew `question` for `role` working on `bead` and returns the text the role gets back. The Crew's call
 * is metered under the convoy and the bead; the question and answer become a note in the bead's history. A Crew
 * that cannot be asked (no model, an error) is answered "not in the rig's docs" with the reason: the role goes on.
 */
export async function consultCrew(ctx: EngineContext, role: Role, bead: Bead, question: string): Promise<string> {
  const choice = await ctx.router.choose('crew', 0, bead);
  let answer: CrewAnswer = { answer: `${NOT_IN_DOCS} (no Crew model is configured)`, found: false, citations: [] };
  if (choice) {
    try {
      answer = await askCrew(choice, ctx.rig, question, ctx.brief, ctx.convoyId, bead.id);
    } catch (err) {
      // The Crew being down is not the role's failure: it goes on without the answer (the failed call is in the ledger).
      ctx.log.warn({ err, bead: bead.id, role }, 'the Crew could not be asked');
      answer = { answer: `${NOT_IN_DOCS}: the Crew could not be asked (${errorMessage(err).split('\n')[0]!.slice(0, 200)})`, found: false, citations: [] };
    }
  }
  const event = { type: 'consulted', role, question, answer: answer.answer, found: answer.found, citations: answer.citations } as const;
  try {
    const recorded = await applyBeadEvent(ctx.store, bead.id, event, { policy: DEFAULT_POLICY, stopped: false, by: 'crew' });
    if (!recorded.ok) ctx.log.info({ bead: bead.id, refusal: recorded.refusal }, 'crew consultation not recorded in the bead history');
  } catch (err) {
    // A review of a PR checkout has no town store holding the bead: the note is lost, the role's work is not
    // (the Crew's call is in the ledger either way).
    ctx.log.warn({ err, bead: bead.id }, 'crew consultation not recorded in the bead history');
  }
  ctx.emit({ kind: 'model', role: 'crew', model: choice?.label ?? 'none', beadId: bead.id });
  const cited = answer.citations.length ? ` (from ${answer.citations.join(', ')})` : '';
  return answer.found ? `The Crew answers${cited}: ${answer.answer}` : `The Crew says: ${answer.answer}. Decide from the files you have.`;
}

/** One model turn: the role's answer, or a question for the Crew (with the reply text that asked it). */
export type CrewTurn<T> = { kind: 'answer'; answer: T } | { kind: 'ask'; question: string; said: string };

/**
 * One role run's conversation with the Crew (a Polecat over all its rounds and models, one tests-first, one
 * review, one Librarian run): at most MAX_CREW_CONSULTS questions. A question is not an attempt: the Crew's
 * answer is added to the conversation and the same turn is asked again. Once the questions are used up the
 * model is told so, and `once` gets `canAsk` false: a further request is then taken as the role's answer,
 * without the information it wanted (a Polecat's `ASK CREW:` reply has no edit blocks and fails its round;
 * a JSON role is held to its plain contract, so `{"askCrew": ...}` alone goes through the provider's repair
 * round and then fails like any invalid answer).
 */
export class CrewConsultant {
  private used = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly role: Role,
    private readonly bead: Bead,
  ) {}

  /** Questions asked so far in this run. */
  get asked(): number {
    return this.used;
  }

  get canAsk(): boolean {
    return this.used < MAX_CREW_CONSULTS;
  }

  /**
   * Runs `once` until it gives the role's answer, answering each Crew question in between. `messages` is the
   * conversation `once` sends: the question and the Crew's answer are appended to it, followed by `resume`
   * (what the model should answer with now).
   */
  async converse<T>(messages: ChatMessage[], once: (canAsk: boolean) => Promise<CrewTurn<T>>, resume: string): Promise<T> {
    for (;;) {
      const canAsk = this.canAsk;
      const turn = await once(canAsk);
      if (turn.kind === 'answer') return turn.answer;
      if (!canAsk) throw new GthError(`${this.role}: a Crew question came back after the limit of ${MAX_CREW_CONSULTS}; once() must not ask when canAsk is false`);
      this.used++;
      const reply = await consultCrew(this.ctx, this.role, this.bead, turn.question);
      const last = this.canAsk ? '' : `\n\nThat was your last question to the Crew (${MAX_CREW_CONSULTS} per task): another one is taken as your answer.`;
      messages.push({ role: 'assistant', content: turn.said }, { role: 'user', content: `${reply}${last}\n\n${resume}` });
    }
  }

  /**
   * A JSON answer from a role that may ask the Crew first (`{"askCrew": "..."}`, see contracts.ts); while
   * questions are left the schema offers the request, after that only the role's own contract.
   */
  askJson<S extends z.ZodType>(choice: ModelChoice, messages: ChatMessage[], meta: CallMeta, schema: S, schemaName: string): Promise<z.infer<S>> {
    return this.converse<z.infer<S>>(
      messages,
      async (canAsk) => {
        if (!canAsk) return { kind: 'answer', answer: await askJson(choice, messages, meta, schema, schemaName) };
        const out: unknown = await askJson(choice, messages, meta, withCrewRequest(schema), schemaName);
        const question = crewQuestionOf(out);
        return question === null ? { kind: 'answer', answer: out as z.infer<S> } : { kind: 'ask', question, said: JSON.stringify(out) };
      },
      'Now give your answer as the JSON object asked for above.',
    );
  }
}
