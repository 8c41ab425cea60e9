// The Crew as a consultant: a Polecat asks a rig question mid-task, gets the Crew's cited answer and goes on in
// the same attempt; the consultation is metered under the convoy and bead, and noted in the bead's history.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedProvider } from '../../support/scripted-provider.js';
import { makeGodotShim, envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { setupRig, log, RIGHT } from '../../support/engine-fixture.js';
import { LadderRouter } from '../../../src/agents/engine/router.js';
import { runPolecat } from '../../../src/agents/engine/polecat.js';
import { MAX_CREW_CONSULTS } from '../../../src/agents/engine/consult.js';
import { rigGit } from '../../../src/agents/engine/rig-git.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { BeadStore } from '../../../src/beads/store.js';
import { crewRequestIn, NOT_IN_DOCS } from '../../../src/agents/contracts.js';
import type { CallMeta, CallMeter } from '../../../src/providers/types.js';

let root: string;
beforeAll(async () => void (root = await mkdtemp(join(tmpdir(), 'gth-consult-'))));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('crew requests in a reply', () => {
  it('are recognised only as the reply\'s first line', () => {
    expect(crewRequestIn('ASK CREW: Where do combos reset?')).toBe('Where do combos reset?');
    expect(crewRequestIn('  ask crew: where?\nmore')).toBe('where?\nmore');
    expect(crewRequestIn('scripts/a.gd\n<<<<<<< SEARCH\nASK CREW: x')).toBeNull();
    expect(crewRequestIn('ASK CREW:   ')).toBeNull();
  });
});

describe('a Polecat consults the Crew mid-task', () => {
  async function setup(crewReply: string, polecatReplies = ['ASK CREW: Where is the number of hits per level set?', RIGHT]) {
    const { rig, town } = await setupRig(root);
    const metered: CallMeta[] = [];
    const meter: CallMeter = { track: (call, run) => (metered.push(call.meta), run()) };
    const polecat = new ScriptedProvider({ replies: polecatReplies, meter });
    const crew = new ScriptedProvider({ replies: [crewReply], kind: 'gemini', meter });
    const router = new LadderRouter({ polecat: [{ provider: polecat, label: 'local:coder' }], crew: [{ provider: crew, label: 'cloud:flash' }] });
    const store = new BeadStore({ dir: join(town, 'beads'), actor: 'engine' });
    const created = await store.create({ title: 'Add ComboCounter.bonus_points()', role: 'polecat', convoy: 'ab-conv', files: ['scripts/combo_counter.gd'] });
    const bead = await store.claimLocal(created.id, { agent: `polecat-${created.id}`, model: null });
    const ctx = {
      store, rig: loadRigConfig(rig), git: rigGit(rig), router, brief: briefText, worktrees: join(root, `wt-${bead.id}-${Math.random().toString(36).slice(2)}`),
      attemptsPerModel: 2, contextBudget: 8_000, convoyId: 'ab-conv', convoyBranch: 'main', log, emit: () => undefined, testEnv: envWithShim(makeGodotShim()),
    };
    return { ctx, bead, store, polecat, crew, metered };
  }

  it('gets the cited answer, continues the same attempt, and the consultation is in the ledger and the history', async () => {
    const { ctx, bead, store, polecat, metered } = await setup(JSON.stringify({ answer: 'hits_per_level, an @export var in scripts/combo_counter.gd (default 10).', found: true, citations: ['scripts/combo_counter.gd'] }));
    const result = await runPolecat(ctx, bead);
    expect(result.ok).toBe(true);
    expect(result.attempts).toBe(1);
    const after = await store.get(bead.id);
    expect(after.attempts.map((a) => a.outcome)).toEqual(['pass']);
    expect(after.history.map((h) => h.note)).toContain(
      'polecat asked the Crew: Where is the number of hits per level set? -> hits_per_level, an @export var in scripts/combo_counter.gd (default 10). [scripts/combo_counter.gd]',
    );
    // The Polecat's next request carries the answer after its own question (system, task, question, answer).
    const second = polecat.requests[1]!.messages.map((m) => m.content);
    expect(second[2]).toBe('ASK CREW: Where is the number of hits per level set?');
    expect(second[3]).toMatch(/^The Crew answers \(from scripts\/combo_counter\.gd\): hits_per_level/);
    // The Crew's call is metered under the convoy and the bead.
    expect(metered.filter((m) => m.role === 'crew')).toEqual([{ role: 'crew', convoyId: 'ab-conv', beadId: bead.id }]);
  }, 60_000);

  it('passes on "not in the rig\'s docs" and the Polecat decides from its files', async () => {
    const { ctx, bead, store, polecat } = await setup(JSON.stringify({ answer: `That is ${NOT_IN_DOCS}.`, found: false, citations: [] }));
    const result = await runPolecat(ctx, bead);
    expect(result.ok).toBe(true);
    expect(polecat.requests[1]!.messages[3]!.content).toContain(`The Crew says: That is ${NOT_IN_DOCS}.`);
    expect((await store.get(bead.id)).history.map((h) => h.note ?? '').some((n) => n.includes('-> (not found) That is'))).toBe(true);
  }, 60_000);

  it(`stops answering after ${MAX_CREW_CONSULTS} questions: the next request is taken as the round's answer and fails it`, async () => {
    const { ctx, bead, store, polecat, crew } = await setup(JSON.stringify({ answer: `That is ${NOT_IN_DOCS}.`, found: false, citations: [] }), ['ASK CREW: And where is that?']);
    const result = await runPolecat({ ...ctx, attemptsPerModel: 1 }, bead);
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(crew.requests).toHaveLength(MAX_CREW_CONSULTS);
    expect(polecat.requests).toHaveLength(MAX_CREW_CONSULTS + 1);
    // (The provider keeps the conversation by reference: the last request's messages are the whole run.)
    const said = polecat.requests.at(-1)!.messages.map((m) => m.content);
    expect(said.findIndex((c) => c.includes('That was your last question to the Crew'))).toBe(1 + 2 * MAX_CREW_CONSULTS);
    expect(said.at(-2)).toBe('ASK CREW: And where is that?');
    const after = await store.get(bead.id);
    expect(after.attempts.map((a) => a.outcome)).toEqual(['fail', 'escalated']);
    expect(after.attempts[0]!.note).toMatch(/^No edit blocks found/);
    expect(after.history.filter((h) => h.note?.startsWith('polecat asked the Crew'))).toHaveLength(MAX_CREW_CONSULTS);
  }, 60_000);
});
