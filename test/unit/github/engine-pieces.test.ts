// Pure pieces between the engine and GitHub: diff lines a review may comment on, convoy progress and next jobs, git auth by environment.
import { describe, expect, it } from 'vitest';
import { commentableLines, toPullRequestReview } from '../../../src/github/review-map.js';
import { nextJob, progressOf } from '../../../src/github/convoy-progress.js';
import { beadIdFromBranch, selectDispatches } from '../../../src/github/dispatch.js';
import { authEnv } from '../../../src/github/town-repo.js';
import { Bead, Convoy } from '../../../src/beads/schema.js';

const DIFF = [
  'diff --git a/scripts/a.gd b/scripts/a.gd',
  'index 1..2 100644',
  '--- a/scripts/a.gd',
  '+++ b/scripts/a.gd',
  '@@ -10,4 +10,5 @@ func x():',
  ' keep10',
  '-old11',
  '+new11',
  '+new12',
  ' keep13',
  '\\ No newline at end of file',
  'diff --git a/test/unit/t.gd b/test/unit/t.gd',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/test/unit/t.gd',
  '@@ -0,0 +1,2 @@',
  '+extends GutTest',
  '+++ not a header inside a hunk',
  'diff --git a/gone.gd b/gone.gd',
  'deleted file mode 100644',
  '--- a/gone.gd',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-bye',
].join('\n');

describe('commentableLines', () => {
  it('maps new-side line numbers per file, skipping removed lines and deleted files', () => {
    const lines = commentableLines(DIFF);
    expect([...lines.get('scripts/a.gd')!]).toEqual([10, 11, 12, 13]);
    expect([...lines.get('test/unit/t.gd')!]).toEqual([1, 2]);
    expect(lines.has('gone.gd')).toBe(false);
  });

  it('keeps anchored comments and moves the rest into the body', () => {
    const r = toPullRequestReview(
      {
        verdict: 'request_changes',
        summary: 'Needs work.',
        comments: [
          { path: 'scripts/a.gd', line: 12, body: 'here' },
          { path: 'scripts/a.gd', line: 40, body: 'outside the hunk' },
          { path: 'README.md', line: 1, body: 'not in the PR' },
        ],
        coverage: { ok: false, detail: '1 of 3 functions tested' },
      },
      DIFF,
    );
    expect(r.verdict).toBe('request_changes');
    expect(r.comments).toEqual([{ path: 'scripts/a.gd', line: 12, body: 'here' }]);
    expect(r.summary).toContain('changes requested');
    expect(r.summary).toContain('`scripts/a.gd:40`: outside the hunk');
    expect(r.summary).toContain('`README.md:1`: not in the PR');
    expect(r.summary).toContain('Coverage: not met: 1 of 3 functions tested');
  });
});

const at = '2026-01-01T00:00:00.000Z';
const bead = (id: string, over: Record<string, unknown> = {}) => Bead.parse({ id, title: id, createdAt: at, updatedAt: at, ...over });

describe('convoy progress', () => {
  it('gives a Polecat bead its tests first, and marks only open beads with done blockers ready', () => {
    expect(nextJob({ role: 'polecat', labels: [] })).toBe('refinery-tests');
    expect(nextJob({ role: 'polecat', labels: ['tests-written'] })).toBe('polecat');
    expect(nextJob({ role: 'librarian', labels: [] })).toBe('librarian');
    expect(nextJob({ role: 'crew', labels: [] })).toBeNull();

    const convoy = Convoy.parse({ id: 'am-cv', title: 'c', beads: ['am-a', 'am-b', 'am-c'], branch: 'convoy/am-cv', createdAt: at, updatedAt: at });
    const beads = [
      bead('am-a', { role: 'polecat', labels: ['tests-written'] }),
      bead('am-b', { role: 'librarian', dependencies: [{ id: 'am-a', kind: 'blocks' }] }),
      bead('am-c', { role: 'polecat' }),
    ];
    const p = progressOf(convoy, beads);
    expect(p.ready?.sort()).toEqual(['am-a', 'am-c']);
    expect(p.finished).toBe(false);
    const { finished: _f, ...progress } = p;
    expect(selectDispatches(progress).map((d) => [d.beadId, d.workflow])).toEqual([
      ['am-a', 'polecat.yml'],
      ['am-c', 'refinery-tests.yml'],
    ]);

    const done = progressOf(convoy, beads.map((b) => ({ ...b, status: b.id === 'am-c' ? 'cancelled' : 'done' }) as Bead));
    expect(done.finished).toBe(true);
    // A bead file missing from the branch keeps the convoy unfinished.
    expect(progressOf(convoy, beads.slice(0, 2).map((b) => ({ ...b, status: 'done' }) as Bead)).finished).toBe(false);
  });
});

describe('git auth for the town clone', () => {
  it('passes the installation token as an HTTP header through environment config, never in a URL', () => {
    expect(authEnv(null)).toEqual({});
    const env = authEnv('ghs_secret');
    expect(env.GIT_CONFIG_COUNT).toBe('1');
    expect(env.GIT_CONFIG_KEY_0).toBe('http.https://github.com/.extraheader');
    expect(env.GIT_CONFIG_VALUE_0).toBe(`AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_secret').toString('base64')}`);
  });
});

describe('bead PR branches', () => {
  it('reads the bead id from the engine\'s agent branches only', () => {
    expect(beadIdFromBranch('polecat/am-bonus')).toBe('am-bonus');
    expect(beadIdFromBranch('librarian/am-docs')).toBe('am-docs');
    expect(beadIdFromBranch('bead/gt-a1')).toBe('gt-a1');
    expect(beadIdFromBranch('convoy/am-cv1')).toBeNull();
    expect(beadIdFromBranch('polecat/not an id')).toBeNull();
    expect(beadIdFromBranch('feature/polecat/am-x')).toBeNull();
  });
});
