// The ConvoyDriver as a remote driver (the GitHub app) uses it: jobs are dispatched and their results come later as
// events; merges wait for a person; a restart is a new driver on the same files; an unlabelled epic stops the convoy.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { join } from 'node:path';
import { pino } from 'pino';
import { BeadStore } from '../../../src/beads/store.js';
import { ConvoyDriver } from '../../../src/lifecycle/drive.js';
import type { LifecycleEffects } from '../../../src/lifecycle/effects.js';
import { DEFAULT_POLICY, type RunJobEffect } from '../../../src/lifecycle/machine.js';
import { tempDir } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ path: root, cleanup } = await tempDir('gth-drive-')));
afterEach(() => cleanup());

interface Recorded {
  dispatched: string[];
  prs: string[];
  merges: string[];
  escalations: string[];
  comments: string[];
  delivered: number;
}

function remoteEffects(r: Recorded): LifecycleEffects {
  let pr = 10;
  return {
    jobs: { start: async (e: RunJobEffect) => (r.dispatched.push(`${e.beadId}:${e.job}#${e.try}`), []) },
    delivery: {
      openBeadPr: async (b) => (r.prs.push(b.id), { pr: ++pr }),
      mergeBead: async (b) => (r.merges.push(b.id), 'pending'),
      deliverConvoy: async () => (r.delivered++, { pr: 99 }),
      closeEpic: async () => undefined,
    },
    notifier: {
      comment: async (_c, text) => void r.comments.push(text),
      escalate: async (_c, b, attempts, why) => void r.escalations.push(`${b.id} after ${attempts}: ${why}`),
    },
  };
}

async function convoyOfTwo() {
  const store = new BeadStore({ dir: join(root, 'beads'), actor: 'app' });
  const a = await store.create({ title: 'Code', role: 'polecat', priority: 1 });
  const b = await store.create({ title: 'Docs', role: 'librarian', dependencies: [{ id: a.id, kind: 'blocks' }] });
  const c = await store.createConvoy({ title: 'Epic', beads: [a.id, b.id] });
  return { store, a: a.id, b: b.id, convoy: c.id };
}

const fresh = (): Recorded => ({ dispatched: [], prs: [], merges: [], escalations: [], comments: [], delivered: 0 });
const driver = (store: BeadStore, convoyId: string, r: Recorded) =>
  new ConvoyDriver({ store, convoyId, effects: remoteEffects(r), log: pino({ level: 'silent' }), policy: { ...DEFAULT_POLICY, maxTries: 2 }, jobsClaim: true });

describe('ConvoyDriver with jobs dispatched elsewhere', () => {
  it('dispatches each due job once, across a restart, and delivers when every bead is merged', async () => {
    const { store, a, b, convoy } = await convoyOfTwo();
    const r = fresh();
    await driver(store, convoy, r).settle();
    await driver(store, convoy, r).settle(); // a redelivered webhook or a restart: nothing new
    expect(r.dispatched).toEqual([`${a}:refinery-tests#1`]);

    // The runner claimed the bead and reported the tests (as `gth job` does on the branch).
    await store.update(a, () => ({ to: 'in_progress' }));
    const d = driver(store, convoy, r);
    await d.feed(a, { type: 'testsWritten', files: ['test/t.gd'] });
    await d.settle();
    expect(r.dispatched).toEqual([`${a}:refinery-tests#1`, `${a}:polecat#1`]);
    expect((await store.get(a)).status).toBe('open');

    // The Polecat's job is cancelled once: retried (a second dispatch of a new try), then it pushes.
    await store.update(a, () => ({ to: 'in_progress' }));
    await d.feed(a, { type: 'jobFailed', job: 'polecat', outcome: 'cancelled', reason: 'cancelled on the runner' });
    expect(r.dispatched.at(-1)).toBe(`${a}:polecat#2`);
    await store.update(a, () => ({ to: 'in_progress' }));
    await d.feed(a, { type: 'codePushed', branch: `polecat/${a}`, model: 'm' });
    await d.settle(); // follow-ups (the PR number) are applied by settle
    expect(r.prs).toEqual([a]);
    expect((await store.get(a)).pr).toBe(11);
    expect(r.dispatched.at(-1)).toBe(`${a}:refinery-review#1`);
    // A person asks for changes on the PR; then approves; the merge waits for the PR to merge.
    await d.feed(a, { type: 'changesRequested', by: 'human', feedback: 'rename it' });
    expect(r.dispatched.at(-1)).toBe(`${a}:polecat#1`);
    expect((await store.get(a)).lifecycle?.feedback).toBe('rename it');
    await d.feed(a, { type: 'codePushed', branch: `polecat/${a}`, model: 'm' });
    await d.feed(a, { type: 'reviewPassed', by: 'human', summary: 'ok' });
    expect(r.merges).toEqual([a]);
    expect((await store.get(a)).status).toBe('review');

    // Restart: a new driver; the PR merged event arrives; the docs bead is dispatched next.
    const after = driver(store, convoy, r);
    await after.feed(a, { type: 'merged', pr: 11 });
    await after.settle();
    expect(r.dispatched.at(-1)).toBe(`${b}:librarian#1`);
    await store.update(b, () => ({ to: 'in_progress' }));
    await after.feed(b, { type: 'codePushed', branch: `librarian/${b}`, model: null });
    await after.settle();
    expect(r.merges).toEqual([a, b]);
    await after.feed(b, { type: 'merged', pr: 13 });
    await after.settle();
    expect(r.delivered).toBe(1);
    expect((await store.getConvoy(convoy)).lifecycle).toEqual({ status: 'delivered', pr: 99 });
    expect((await store.list()).map((x) => x.status)).toEqual(['done', 'done']);
    expect(after.refusals.map((x) => `${x.event} in ${x.state}: ${x.reason}`)).toEqual([]);
    await after.feedConvoy({ type: 'convoyMerged' });
    expect((await store.getConvoy(convoy)).lifecycle?.status).toBe('closed');
  });

  it('a job failing past the limit fails the bead and escalates with the tries and the reason', async () => {
    const { store, a, convoy } = await convoyOfTwo();
    const r = fresh();
    const d = driver(store, convoy, r);
    await d.settle();
    for (let i = 0; i < 2; i++) {
      await store.update(a, () => ({ to: 'in_progress' }));
      await d.feed(a, { type: 'jobFailed', job: 'refinery-tests', outcome: 'timed_out', reason: 'runner timed out' });
    }
    expect((await store.get(a)).status).toBe('failed');
    expect(r.escalations).toEqual([`${a} after 2: refinery-tests timed out: runner timed out (2 of 2 tries)`]);
    // A late conclusion of the same job is refused, not applied twice.
    expect(await d.feed(a, { type: 'jobFailed', job: 'refinery-tests', outcome: 'failure', reason: 'late' })).toBe(false);
  });

  it('an unlabelled epic cancels pending beads and lets the running job finish without starting another', async () => {
    const { store, a, b, convoy } = await convoyOfTwo();
    const r = fresh();
    const d = driver(store, convoy, r);
    await d.settle();
    await store.update(a, () => ({ to: 'in_progress' }));
    await d.feedConvoy({ type: 'unlabelled' });
    await d.settle();
    expect(r.comments).toHaveLength(1);
    expect((await store.get(b)).status).toBe('cancelled');
    expect((await store.get(a)).status).toBe('in_progress');
    await d.feed(a, { type: 'testsWritten', files: ['test/t.gd'] });
    await d.settle();
    expect(r.dispatched).toEqual([`${a}:refinery-tests#1`]);
    expect((await store.get(a)).status).toBe('cancelled');
  });
});
