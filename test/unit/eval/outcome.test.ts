// Eval scores read from where the lifecycle left the bead: driven through the real machine and store (temp folder), then scored.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BeadStore } from '../../../src/beads/store.js';
import { applyBeadEvent } from '../../../src/lifecycle/persist.js';
import { DEFAULT_POLICY, type BeadEvent } from '../../../src/lifecycle/machine.js';
import { checkNoCodeChange, formatCodeChanges } from '../../../src/agents/librarian/no-code-change.js';
import { librarianOutcome, polecatOutcome, refineryOutcome, rejectedCodeChanges } from '../../../src/eval/outcome.js';
import { loadTaskSet, DEFAULT_TASKS_DIR } from '../../../src/eval/tasks.js';
import type { LibrarianTaskSpec, RefineryTaskSpec } from '../../../src/eval/task-schema.js';

let dir: string;
let store: BeadStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gth-eval-outcome-'));
  store = new BeadStore({ dir: join(dir, 'beads'), actor: 'test' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function feed(id: string, ...events: BeadEvent[]): Promise<void> {
  for (const e of events) {
    const r = await applyBeadEvent(store, id, e, { policy: DEFAULT_POLICY, stopped: false });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  }
}

const attempt = (outcome: 'pass' | 'fail' | 'escalated', note: string) => (b: { attempts: unknown[] }) => {
  (b.attempts as object[]).push({ n: b.attempts.length + 1, at: new Date().toISOString(), agent: 'polecat-x', model: 'local:m', outcome, note });
};

describe('eval outcomes from the lifecycle', () => {
  it('Polecat: rounds and guard hits from the attempt trail (escalations are not rounds); the last failed round says why', async () => {
    const b = await store.create({ title: 't', role: 'polecat', labels: ['tests-written'] });
    await feed(b.id, { type: 'ready' });
    for (const a of [attempt('fail', 'GDScript guard: 1 Godot 3 problem\nyield'), attempt('fail', 'Tests failed: 2 failed\n...'), attempt('escalated', 'no green run')]) {
      await store.update(b.id, (d) => void a(d));
    }
    await feed(b.id, { type: 'jobFailed', job: 'polecat', outcome: 'gave_up', reason: 'no model on the ladder made the tests pass (2 attempt(s))' });
    const failed = await store.get(b.id);
    expect(failed.status).toBe('failed');
    expect(polecatOutcome(failed)).toEqual({ passed: false, attempts: 2, guardHits: 1, note: 'Tests failed: 2 failed' });
  });

  it('Polecat: green tests but a review that failed the change: the lifecycle’s failure note', async () => {
    const b = await store.create({ title: 't', role: 'polecat', labels: ['tests-written'] });
    await feed(b.id, { type: 'ready' });
    await store.update(b.id, (d) => void attempt('pass', 'tests green in round 1')(d));
    const pushed: BeadEvent = { type: 'codePushed', branch: `polecat/${b.id}`, model: 'local:m' };
    const asked: BeadEvent = { type: 'changesRequested', by: 'refinery', feedback: 'touches test/unit/x.gd' };
    await feed(b.id, pushed, asked, pushed, asked, pushed, asked);
    const out = polecatOutcome(await store.get(b.id));
    expect(out.passed).toBe(false);
    expect(out.note).toMatch(/^failed: changes requested 3 time\(s\) by refinery, more than the 2 revision\(s\) allowed/);
    await feed(b.id, { type: 'reopened', by: 'test' }, { type: 'ready' }, pushed, { type: 'reviewPassed', by: 'refinery', summary: 'ok' }, { type: 'merged' });
    expect(polecatOutcome(await store.get(b.id))).toMatchObject({ passed: true, note: '' });
  });

  it('Librarian: code changes counted from the engine’s rejection as the bead’s history keeps it', async () => {
    const check = checkNoCodeChange({ 'a.gd': 'func f():\n\tx += 1\n', 'b.gd': 'func g():\n\ty = 2\n' }, { 'a.gd': '## doc\nfunc f():\n\tx += 2\n', 'b.gd': 'func g():\n\ty = 3\n' });
    expect(check.changes.length).toBe(2);
    const b = await store.create({ title: 't', role: 'librarian' });
    await feed(b.id, { type: 'ready' }, { type: 'jobFailed', job: 'librarian', outcome: 'gave_up', reason: formatCodeChanges(check) });
    const bead = await store.get(b.id);
    const spec = loadTaskSet(DEFAULT_TASKS_DIR, { names: ['librarian-combo-counter'] })[0]!.spec as LibrarianTaskSpec;
    const out = librarianOutcome(bead, spec, null, 1);
    expect([out.passed, out.codeChanges, out.attempts]).toEqual([false, 2, 1]);
    expect(out.note).toMatch(/^not documented: scripts\/combo_counter.gd:func:hit, scripts\/combo_counter.gd:func:multiplier; failed: librarian gave up: Rejected:/);
    expect(rejectedCodeChanges('failed: librarian crashed: git push failed')).toBe(0);
  });

  it('Refinery: no review at all (every try of the review job crashed) fails with the lifecycle’s reason', async () => {
    const b = await store.create({ title: 't', role: 'polecat', labels: ['tests-written'] });
    const crash: BeadEvent = { type: 'jobFailed', job: 'refinery-review', outcome: 'failure', reason: 'no valid JSON' };
    await feed(b.id, { type: 'ready' }, { type: 'codePushed', branch: `polecat/${b.id}`, model: null }, crash, crash, crash);
    const spec = loadTaskSet(DEFAULT_TASKS_DIR, { names: ['refinery-godot3-api'] })[0]!.spec as RefineryTaskSpec;
    expect(refineryOutcome(await store.get(b.id), undefined, spec, 6)).toEqual({
      passed: false, attempts: 6, defectsFound: 0, falseAlarms: 0, note: 'failed: refinery-review failure: no valid JSON (3 of 3 tries)',
    });
  });
});
