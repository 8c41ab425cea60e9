// The Refinery (tests first, review) and the Librarian ask the Crew mid-task with {"askCrew": "..."} in their JSON
// answer: stand-in llama-server on 127.0.0.1 for the role, Gemini (HTTP-mocked) for the Crew, a real ledger.
import { describe, it, expect } from 'vitest';
import nock from 'nock';
import { pino } from 'pino';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScriptRule } from '../../doubles/llama-handler.js';
import { envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { engineSandbox } from '../../support/engine-sandbox.js';
import { HOST, TESTS, REVIEW, gemini, ladderRouter, log, setupRig } from '../../support/engine-fixture.js';
import { writeTestsFirst, reviewChange } from '../../../src/agents/engine/refinery.js';
import { runLibrarian } from '../../../src/agents/engine/librarian.js';
import { runBeadJob } from '../../../src/agents/engine/bead-jobs.js';
import { MAX_CREW_CONSULTS } from '../../../src/agents/engine/consult.js';
import { rigGit } from '../../../src/agents/engine/rig-git.js';
import type { EngineContext } from '../../../src/agents/engine/types.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { BeadStore } from '../../../src/beads/store.js';
import type { Bead } from '../../../src/beads/schema.js';
import { ASK_CREW_FIELD, RefineryReview, RefineryTests, crewQuestionOf, withCrewRequest } from '../../../src/agents/contracts.js';
import { toJsonSchema } from '../../../src/providers/structured.js';
import { LedgerMeter } from '../../../src/cost/meter.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { readLedger } from '../../../src/cost/ledger.js';
import type { TestRunResult } from '../../../src/agents/rig/run-tests.js';

// Each test starts its own stand-in and Crew interceptors; both go when it ends.
const box = engineSandbox('gth-consult-json-', { eachTest: true });

const QUESTION = 'Where do unit tests live, and how are test files named?';
const ASK = JSON.stringify({ [ASK_CREW_FIELD]: QUESTION });
const CREW = { answer: 'Unit tests live in test/unit, one test_<script>.gd per script.', found: true, citations: ['AGENTS.md'] };
const CITED = `The Crew answers (from AGENTS.md): ${CREW.answer}`;
/** The stand-in's rule for a request carrying the Crew's answer (the briefs mention "The Crew answers" too). */
const CITED_MATCH = 'The Crew answers \\(from AGENTS\\.md\\)';

interface ChatBody {
  messages: { role: string; content: string }[];
  response_format?: { json_schema?: { schema?: Record<string, unknown> } };
}

/** The stand-in Crew (Gemini over HTTP): answers `times` questions and keeps each request body. */
function crewAnswers(times = 1): string[] {
  const asked: string[] = [];
  nock(HOST)
    .post('/v1beta/models/gemini-3-flash-preview:generateContent')
    .times(times)
    .reply(200, (_uri, body) => {
      asked.push(JSON.stringify(body));
      return gemini(JSON.stringify(CREW));
    });
  return asked;
}

/** The bead the Refinery works on: the Polecat's ComboCounter change. */
const COMBO = { title: 'Add ComboCounter.bonus_points()', role: 'polecat' as const, files: ['scripts/combo_counter.gd'] };

/** The role's model (a stand-in llama-server on 127.0.0.1), a real ledger, the sample rig and a claimed bead. */
async function setup(rules: ScriptRule[], bead: { title: string; role: Bead['role']; files: string[] }) {
  const { rig, town } = await setupRig(box.root);
  const cpu = await box.serve({ script: { rules } });
  const ledgerPath = join(town, '.gastown-state', 'ledger.jsonl');
  const meter = new LedgerMeter({ ledgerPath, prices: loadPrices(), localWatts: 300 });
  const store = new BeadStore({ dir: join(town, 'beads'), actor: 'engine' });
  const created = await store.create({ ...bead, convoy: 'ab-conv' });
  const claimed = await store.claimLocal(created.id, { agent: `${bead.role}-${created.id}`, model: null });
  const ctx: EngineContext = {
    store, rig: loadRigConfig(rig), git: rigGit(rig), router: ladderRouter({ small: cpu.url, big: cpu.url, cpu: cpu.url }, { meter }), brief: briefText,
    worktrees: join(box.root, `wt-${created.id}-${Math.random().toString(36).slice(2)}`), attemptsPerModel: 1, contextBudget: 8_000,
    convoyId: 'ab-conv', convoyBranch: 'main', log, emit: () => undefined, testEnv: envWithShim(box.shim),
  };
  const requests = () => cpu.requests as ChatBody[];
  return { ctx, rig, store, bead: claimed, requests, ledgerPath };
}

const offersCrew = (body: ChatBody) => JSON.stringify(body.response_format?.json_schema?.schema ?? {}).includes(`"${ASK_CREW_FIELD}"`);

/** What every consultation leaves behind: the Crew got the question, the history and the ledger have it, no attempt counted. */
async function expectOneConsultation(s: Awaited<ReturnType<typeof setup>>, asked: string[], role: string): Promise<void> {
  expect(asked).toHaveLength(1);
  expect(asked[0]).toContain(QUESTION);
  const after = await s.store.get(s.bead.id);
  expect(after.history.map((h) => h.note)).toContain(`${role} asked the Crew: ${QUESTION} -> ${CREW.answer} [AGENTS.md]`);
  expect(after.attempts).toEqual([]);
  expect(after.status).toBe(s.bead.status);
  const { entries, problems } = await readLedger(s.ledgerPath);
  expect(problems).toEqual([]);
  expect(entries.filter((e) => e.role === 'crew').map((e) => [e.bead, e.convoy, e.local])).toEqual([[s.bead.id, 'ab-conv', false]]);
}

describe('a Crew request in a JSON answer', () => {
  it('is the object {"askCrew": question}; a complete answer that also asks is the answer', () => {
    const review = withCrewRequest(RefineryReview);
    expect(crewQuestionOf(review.parse({ [ASK_CREW_FIELD]: `  ${QUESTION} ` }))).toBe(QUESTION);
    const both = review.parse({ ...REVIEW, [ASK_CREW_FIELD]: QUESTION });
    expect(crewQuestionOf(both)).toBeNull();
    expect(both).toMatchObject({ verdict: 'approve' });
    expect(review.safeParse({ [ASK_CREW_FIELD]: '  ' }).success).toBe(false);
    expect(crewQuestionOf(RefineryTests.parse(TESTS))).toBeNull();
    // The role's own contract comes first in the schema the model is offered (so grammars and stand-ins default to it).
    const offered = toJsonSchema(withCrewRequest(RefineryTests)) as { anyOf: { required?: string[] }[] };
    expect(offered.anyOf.map((s) => s.required)).toEqual([['summary', 'files', 'edits'], [ASK_CREW_FIELD]]);
  });
});

describe('the Refinery asks the Crew while writing the tests first', () => {
  it('gets the cited answer and goes on in the same round: a refused answer still has its one repair round', async () => {
    const bad = JSON.stringify({ summary: '', files: [{ path: 'scripts/test_combo_bonus.gd', content: 'extends GutTest\n' }], edits: '' });
    const s = await setup(
      [
        { match: 'Fix these problems', reply: JSON.stringify(TESTS) },
        { match: CITED_MATCH, reply: bad },
        { match: 'Write the tests first for bead', reply: ASK },
      ],
      COMBO,
    );
    const asked = crewAnswers();
    const written = await writeTestsFirst(s.ctx, s.bead, s.rig);
    expect(written).toEqual(['test/unit/test_combo_bonus.gd']);
    expect(await readFile(join(s.rig, 'test/unit/test_combo_bonus.gd'), 'utf8')).toBe(TESTS.files[0]!.content);
    const [first, second, third] = s.requests();
    expect(s.requests()).toHaveLength(3);
    expect(offersCrew(first!)).toBe(true);
    // The second request is the same conversation: the question, then the Crew's cited answer.
    expect(second!.messages.slice(2).map((m) => [m.role, m.content.split('\n')[0]])).toEqual([['assistant', ASK], ['user', CITED]]);
    expect(third!.messages.at(-1)!.content).toMatch(/^Fix these problems[\s\S]*scripts\/test_combo_bonus\.gd: refused/);
    await expectOneConsultation(s, asked, 'refinery');
  }, 60_000);

  it(`stops after ${MAX_CREW_CONSULTS} questions: a further request is held to the tests contract and fails like any invalid answer`, async () => {
    const s = await setup([{ match: 'Write the tests first for bead', reply: ASK }], COMBO);
    const asked = crewAnswers(MAX_CREW_CONSULTS);
    await expect(writeTestsFirst(s.ctx, s.bead, s.rig)).rejects.toThrow(/no valid JSON for schema "refinery_tests" after one repair round/);
    expect(asked).toHaveLength(MAX_CREW_CONSULTS);
    const requests = s.requests();
    // Three questions answered, then one ask without the request in the schema, and the provider's repair round.
    expect(requests.map(offersCrew)).toEqual([true, true, true, false, false]);
    expect(requests[3]!.messages.at(-1)!.content).toContain(`That was your last question to the Crew (${MAX_CREW_CONSULTS} per task)`);
    const after = await s.store.get(s.bead.id);
    expect(after.history.filter((h) => h.note?.startsWith('refinery asked the Crew')).length).toBe(MAX_CREW_CONSULTS);
    const { entries } = await readLedger(s.ledgerPath);
    expect(entries.filter((e) => e.role === 'crew' && e.bead === s.bead.id)).toHaveLength(MAX_CREW_CONSULTS);
  }, 60_000);
});

const PASSED: TestRunResult = { passed: true, exitCode: 0, timedOut: false, durationMs: 1, cases: [], counts: { passed: 2, failed: 0, error: 0, skipped: 0 }, problems: [], outputTail: '' };
const DIFF = ['diff --git a/scripts/combo_counter.gd b/scripts/combo_counter.gd', '--- a/scripts/combo_counter.gd', '+++ b/scripts/combo_counter.gd', '@@ -1,1 +1,2 @@', '+func bonus_points() -> int:', '+\treturn 50 * (combo / hits_per_level)'].join('\n');

/** The reviewer asks first, then approves once it has the Crew's cited answer. */
const ASKS_THEN_REVIEWS: ScriptRule[] = [
  { match: CITED_MATCH, reply: JSON.stringify(REVIEW) },
  { match: 'Review the change for bead', reply: ASK },
];

describe('the Refinery asks the Crew while reviewing', () => {
  it('gets the cited answer and gives its verdict in the same review', async () => {
    const s = await setup(ASKS_THEN_REVIEWS, COMBO);
    const bead = await s.store.transition(s.bead.id, 'review', { note: 'code pushed' });
    const asked = crewAnswers();
    const review = await reviewChange(s.ctx, { bead, diff: DIFF, tests: PASSED, worktree: s.rig });
    expect(review.summary).toContain(REVIEW.summary);
    expect(s.requests()).toHaveLength(2);
    expect(s.requests()[1]!.messages.slice(2).map((m) => [m.role, m.content.split('\n')[0]])).toEqual([['assistant', ASK], ['user', CITED]]);
    await expectOneConsultation({ ...s, bead }, asked, 'refinery');
  }, 60_000);

  it('goes on without the answer when the Crew cannot be asked: the model is told, the history and the ledger say so', async () => {
    const s = await setup(
      [
        { match: 'the Crew could not be asked', reply: JSON.stringify(REVIEW) },
        { match: 'Review the change for bead', reply: ASK },
      ],
      COMBO,
    );
    const bead = await s.store.transition(s.bead.id, 'review', { note: 'code pushed' });
    nock(HOST).post('/v1beta/models/gemini-3-flash-preview:generateContent').reply(400, { error: { code: 400, message: 'API key not valid', status: 'INVALID_ARGUMENT' } });
    const review = await reviewChange(s.ctx, { bead, diff: DIFF, tests: PASSED, worktree: s.rig });
    expect(review.summary).toContain(REVIEW.summary);
    expect(nock.isDone()).toBe(true);
    expect(s.requests()[1]!.messages.at(-1)!.content).toMatch(/^The Crew says: not in the rig's docs: the Crew could not be asked \(.*\)\. Decide from the files you have\./);
    const after = await s.store.get(bead.id);
    expect(after.history.map((h) => h.note ?? '').filter((n) => n.startsWith(`refinery asked the Crew: ${QUESTION} -> (not found) not in the rig's docs: the Crew could not be asked`))).toHaveLength(1);
    const { entries } = await readLedger(s.ledgerPath);
    expect(entries.filter((e) => e.role === 'crew').map((e) => [e.bead, typeof e.error])).toEqual([[bead.id, 'string']]);
  }, 60_000);

  it('still gets its answer where no store holds the bead (a PR checkout under review): the ledger has the call, the log says why', async () => {
    const s = await setup(ASKS_THEN_REVIEWS, COMBO);
    const asked = crewAnswers();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const elsewhere = new BeadStore({ dir: join(box.root, `checkout-${Math.random().toString(36).slice(2)}`, 'beads') });
    const review = await reviewChange({ ...s.ctx, store: elsewhere, log: logger }, { bead: s.bead, diff: DIFF, tests: PASSED, worktree: s.rig });
    expect(review.summary).toContain(REVIEW.summary);
    expect(asked).toHaveLength(1);
    expect(lines.some((l) => l.includes('crew consultation not recorded in the bead history') && l.includes(s.bead.id))).toBe(true);
    const { entries } = await readLedger(s.ledgerPath);
    expect(entries.filter((e) => e.role === 'crew').map((e) => e.bead)).toEqual([s.bead.id]);
  }, 60_000);
});

describe('the Librarian asks the Crew', () => {
  it('gets the cited answer while documenting a file and goes on to the README in the same run', async () => {
    const docs = JSON.stringify({ docs: { 'func:reset': 'Clears the score and the judgement counts.' }, edits: '' });
    const readme = JSON.stringify({ readme: '# AeroBeat Mini\n\nBeat scoring and combos. `BeatScorer.reset()` clears the score.\n' });
    const s = await setup(
      [
        { match: CITED_MATCH, reply: docs },
        { match: 'Write `##` doc comments for scripts/beat_scorer.gd', reply: ASK },
        { match: 'Refresh the rig README', reply: readme },
      ],
      { title: 'Document BeatScorer', role: 'librarian', files: ['scripts/beat_scorer.gd'] },
    );
    const asked = crewAnswers();
    const result = await runLibrarian(s.ctx, s.bead);
    expect(result).toMatchObject({ ok: true, documented: ['scripts/beat_scorer.gd:func:reset'] });
    expect(s.requests()).toHaveLength(3);
    expect(s.requests()[1]!.messages.slice(2).map((m) => [m.role, m.content.split('\n')[0]])).toEqual([['assistant', ASK], ['user', CITED]]);
    await expectOneConsultation(s, asked, 'librarian');
  }, 60_000);
});

describe('the Librarian notes a bug it must not fix', () => {
  it('answers "notes" beside the docs (as its brief asks): accepted first time, and kept on the bead\'s job event', async () => {
    const note = 'reset() does not clear the combo counter.';
    const docs = JSON.stringify({ docs: { 'func:reset': 'Clears the score and the judgement counts.' }, edits: '', notes: note });
    const readme = JSON.stringify({ readme: '# AeroBeat Mini\n\nBeat scoring and combos. `BeatScorer.reset()` clears the score.\n' });
    const s = await setup(
      [
        { match: 'Write `##` doc comments for scripts/beat_scorer.gd', reply: docs },
        { match: 'Refresh the rig README', reply: readme },
      ],
      { title: 'Document BeatScorer', role: 'librarian', files: ['scripts/beat_scorer.gd'] },
    );
    const event = await runBeadJob(s.ctx, 'librarian', s.bead, null);
    // No repair round: the notes are part of the contract, not an unknown key.
    expect(s.requests()).toHaveLength(2);
    expect(event).toMatchObject({ type: 'codePushed' });
    expect(event.type === 'codePushed' && event.note).toContain(`bugs noted: scripts/beat_scorer.gd: ${note}`);
  }, 60_000);
});
