import { describe, it, expect } from 'vitest';
import { canTransition, assertTransition, TRANSITIONS, TransitionError } from '../../../src/beads/transitions.js';
import { STATUSES } from '../../../src/beads/schema.js';

describe('status transitions', () => {
  it('allows the work cycle open -> in_progress -> review -> done and reopening', () => {
    expect(canTransition('open', 'in_progress')).toBe(true);
    expect(canTransition('in_progress', 'review')).toBe(true);
    expect(canTransition('review', 'done')).toBe(true);
    expect(canTransition('done', 'open')).toBe(true);
    expect(canTransition('failed', 'open')).toBe(true);
  });

  it('refuses skipping steps or leaving terminal states sideways', () => {
    expect(canTransition('open', 'review')).toBe(false);
    expect(canTransition('done', 'in_progress')).toBe(false);
    expect(canTransition('cancelled', 'done')).toBe(false);
    expect(canTransition('open', 'open')).toBe(false);
  });

  it('names the bead, both states and the allowed targets in the error', () => {
    expect(() => assertTransition('ab-1', 'done', 'blocked')).toThrow(TransitionError);
    expect(() => assertTransition('ab-1', 'done', 'blocked')).toThrow(/ab-1: cannot move from done to blocked \(allowed from done: open\)/);
  });

  it('covers every status and only names known statuses', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATUSES].sort());
    for (const targets of Object.values(TRANSITIONS)) for (const t of targets) expect(STATUSES).toContain(t);
  });
});
