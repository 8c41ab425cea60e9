// The review rule: a defect is found by a comment within ±2 lines in its file, or named by keyword with request_changes.
import { describe, it, expect } from 'vitest';
import { matchReview, LINE_TOLERANCE } from '../../../src/eval/review-match.js';
import type { PlantedDefect } from '../../../src/eval/task-schema.js';

const d: PlantedDefect = { file: 'scripts/a.gd', line: 20, kind: 'missing-null-check', keywords: ['null'] };
const c = (path: string, line: number, body = 'hmm') => ({ path, line, body });

describe('matchReview', () => {
  it('finds a defect from a comment within ±2 lines in the same file, not 3 lines away or in another file', () => {
    expect(LINE_TOLERANCE).toBe(2);
    for (const line of [18, 20, 22]) expect(matchReview({ verdict: 'approve', summary: 's', comments: [c('scripts/a.gd', line)] }, [d]).found).toEqual([d]);
    const far = matchReview({ verdict: 'approve', summary: 's', comments: [c('scripts/a.gd', 23), c('scripts/b.gd', 20)] }, [d]);
    expect(far.found).toEqual([]);
    expect(far.falseAlarms).toHaveLength(2);
  });

  it('finds a defect named by keyword (any line of its file, or the summary) only when changes are requested', () => {
    const named = { summary: 's', comments: [c('scripts/a.gd', 1, 'This can be NULL for an unknown id')] };
    expect(matchReview({ ...named, verdict: 'request_changes' }, [d]).found).toEqual([d]);
    // Naming it in a comment on its file is never a false alarm, but does not count as found when approving.
    expect(matchReview({ ...named, verdict: 'approve' }, [d])).toEqual({ found: [], missed: [d], falseAlarms: [] });
    expect(matchReview({ verdict: 'request_changes', summary: 'possible null deref', comments: [c('scripts/z.gd', 1)] }, [d]).found).toEqual([d]);
  });

  it('accepts a/ b/ diff prefixes in comment paths', () => {
    expect(matchReview({ verdict: 'approve', summary: 's', comments: [c('b/scripts/a.gd', 21)] }, [d]).found).toEqual([d]);
  });
});
