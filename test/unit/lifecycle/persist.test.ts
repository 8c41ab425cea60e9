import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BeadStore } from '../../../src/beads/store.js';
import { applyBeadEvent, applyConvoyEvent, formatRefusal } from '../../../src/lifecycle/persist.js';
import { DEFAULT_POLICY } from '../../../src/lifecycle/machine.js';
import { tempDir } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ path: root, cleanup } = await tempDir('gth-life-')));
afterEach(() => cleanup());

const opts = { policy: DEFAULT_POLICY, stopped: false, now: new Date('2026-11-29T12:00:00Z') };

describe('lifecycle events on the bead store', () => {
  it('writes status, lifecycle and a history note, and a new store (a restart) reads them back', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), actor: 'engine' });
    const b = await store.create({ title: 'Combo bonus', role: 'polecat' });
    const started = await applyBeadEvent(store, b.id, { type: 'ready' }, opts);
    expect(started.ok && started.effects).toEqual([{ type: 'runJob', beadId: b.id, job: 'refinery-tests', try: 1, delayMs: 0, feedback: null }]);
    await applyBeadEvent(store, b.id, { type: 'jobFailed', job: 'refinery-tests', outcome: 'timed_out', reason: 'runner lost' }, opts);

    const restarted = new BeadStore({ dir: join(root, 'beads'), actor: 'engine' });
    const again = await restarted.get(b.id);
    expect(again.status).toBe('in_progress');
    expect(again.assignee?.agent).toBe(`refinery-tests-${b.id}`);
    expect(again.lifecycle).toEqual({ step: 'tests', job: 'refinery-tests', tries: 1, revisions: 0, feedback: null, retryAt: '2026-11-29T12:00:30.000Z' });
    expect(again.history.at(-1)?.note).toMatch(/refinery-tests timed out: runner lost; try 2 of 3 in 30 s/);
    const resumed = await applyBeadEvent(restarted, b.id, { type: 'resume' }, opts);
    expect(resumed.ok && resumed.effects).toEqual([{ type: 'runJob', beadId: b.id, job: 'refinery-tests', try: 2, delayMs: 0, feedback: null }]);
  });

  it('a refused event writes nothing and says why', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), actor: 'engine' });
    const b = await store.create({ title: 'Combo bonus', role: 'polecat' });
    const before = await readFile(join(root, 'beads', `${b.id}.json`), 'utf8');
    const r = await applyBeadEvent(store, b.id, { type: 'reviewPassed', by: 'human', summary: 'lgtm' }, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatRefusal(r.refusal)).toBe(`bead ${b.id}: event reviewPassed refused in state open/tests: a review passes at the review step`);
    expect(await readFile(join(root, 'beads', `${b.id}.json`), 'utf8')).toBe(before);
  });

  it('convoy events persist the convoy lifecycle', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), actor: 'engine' });
    const c = await store.createConvoy({ title: 'Combo' });
    const stoppedC = await applyConvoyEvent(store, c.id, { type: 'unlabelled' });
    expect(stoppedC.ok && stoppedC.effects.map((e) => e.type)).toEqual(['comment']);
    expect((await new BeadStore({ dir: join(root, 'beads') }).getConvoy(c.id)).lifecycle).toEqual({ status: 'stopped', pr: null });
    const refused = await applyConvoyEvent(store, c.id, { type: 'convoyMerged' });
    expect(refused.ok).toBe(false);
  });
});
