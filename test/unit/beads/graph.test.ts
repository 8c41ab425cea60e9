import { describe, it, expect } from 'vitest';
import { findCycles, readyBeads, convoyProgress, danglingDeps, formatCycle } from '../../../src/beads/graph.js';
import { Bead, type BeadInput } from '../../../src/beads/schema.js';

let clock = Date.parse('2026-01-01T00:00:00Z');
function bead(id: string, extra: Partial<BeadInput> = {}): Bead {
  clock += 1000;
  const at = new Date(clock).toISOString();
  return Bead.parse({ id, title: id, createdAt: at, updatedAt: at, ...extra });
}

describe('findCycles', () => {
  it('names the beads of a cycle in order', () => {
    const beads = [
      bead('ab-1', { dependencies: [{ id: 'ab-2', kind: 'blocks' }] }),
      bead('ab-2', { dependencies: [{ id: 'ab-3', kind: 'blocks' }] }),
      bead('ab-3', { dependencies: [{ id: 'ab-1', kind: 'parent-child' }] }),
      bead('ab-4', { dependencies: [{ id: 'ab-1', kind: 'blocks' }] }),
    ];
    const cycles = findCycles(beads);
    expect(cycles).toHaveLength(1);
    expect(formatCycle(cycles[0]!)).toBe('ab-1 -> ab-2 -> ab-3 -> ab-1');
  });

  it('ignores related and discovered-from links and accepts a DAG', () => {
    const beads = [
      bead('ab-1', { dependencies: [{ id: 'ab-2', kind: 'related' }] }),
      bead('ab-2', { dependencies: [{ id: 'ab-1', kind: 'discovered-from' }] }),
      bead('ab-3', { dependencies: [{ id: 'ab-1', kind: 'blocks' }, { id: 'ab-2', kind: 'blocks' }] }),
    ];
    expect(findCycles(beads)).toEqual([]);
  });

  it('handles a 20,000-long chain without overflowing the stack', () => {
    const beads = Array.from({ length: 20_000 }, (_, i) =>
      bead(`ab-${i}`, { dependencies: i ? [{ id: `ab-${i - 1}`, kind: 'blocks' }] : [] }),
    );
    expect(findCycles(beads)).toEqual([]);
    beads[0]!.dependencies = [{ id: 'ab-19999', kind: 'blocks' }];
    expect(findCycles(beads)[0]).toHaveLength(20_001);
  });

  it('reports a self-dependency', () => {
    expect(findCycles([bead('ab-s', { dependencies: [{ id: 'ab-s', kind: 'blocks' }] })])).toEqual([['ab-s', 'ab-s']]);
  });
});

describe('readyBeads', () => {
  it('keeps open beads whose blockers are done, ordered by priority then age', () => {
    const done = bead('ab-d', { status: 'done' });
    const old = bead('ab-old', { priority: 2 });
    const urgent = bead('ab-urg', { priority: 0 });
    const newer = bead('ab-new', { priority: 2 });
    const waits = bead('ab-w', { priority: 0, dependencies: [{ id: 'ab-old', kind: 'blocks' }] });
    const free = bead('ab-f', { priority: 1, dependencies: [{ id: 'ab-d', kind: 'blocks' }, { id: 'ab-old', kind: 'related' }] });
    const busy = bead('ab-b', { priority: 0, status: 'in_progress' });
    const ready = readyBeads([newer, waits, busy, done, free, old, urgent]);
    expect(ready.map((b) => b.id)).toEqual(['ab-urg', 'ab-f', 'ab-old', 'ab-new']);
  });

  it('treats a missing blocker as not done', () => {
    expect(readyBeads([bead('ab-x', { dependencies: [{ id: 'ab-gone', kind: 'blocks' }] })])).toEqual([]);
  });
});

describe('convoyProgress and danglingDeps', () => {
  it('counts statuses, percent done over live beads, and what blocks what', () => {
    const a = bead('ab-a', { status: 'done' });
    const b = bead('ab-b', { status: 'done' });
    const c = bead('ab-c', { dependencies: [{ id: 'ab-e', kind: 'blocks' }] });
    const d = bead('ab-d', { status: 'cancelled' });
    const e = bead('ab-e', { status: 'in_progress' });
    const p = convoyProgress({ id: 'ab-cv', beads: ['ab-a', 'ab-b', 'ab-c', 'ab-d', 'ab-e', 'ab-zz'] }, [a, b, c, d, e]);
    expect(p.total).toBe(5);
    expect(p.counts).toMatchObject({ done: 2, open: 1, cancelled: 1, in_progress: 1 });
    expect(p.percentDone).toBe(50); // 2 done of 4 live
    expect(p.missing).toEqual(['ab-zz']);
    expect(p.blocked).toEqual([{ id: 'ab-c', waitingOn: ['ab-e'] }]);
    expect(danglingDeps([c])).toEqual([['ab-c', 'ab-e']]);
  });
});
