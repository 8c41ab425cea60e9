// Progress comment rendering/finding, dispatch selection, the on-disk once-store, untrusted quoting and the work queue.
import { mkdtemp, rm, utimes, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBeadWorkflowPath, selectDispatches } from '../../../src/github/dispatch.js';
import { OnceStore } from '../../../src/github/once-store.js';
import { PROGRESS_MARKER, findProgressComment, renderProgressComment } from '../../../src/github/progress-comment.js';
import type { ConvoyProgress } from '../../../src/github/ports.js';
import { neutralize, publicFailure, shortError } from '../../../src/github/public-text.js';
import { quoteUntrusted } from '../../../src/github/untrusted.js';
import { WorkQueue } from '../../../src/github/work-queue.js';

const progress: ConvoyProgress = {
  convoyId: 'cv-1',
  branch: 'convoy/cv-1',
  beads: [
    { id: 'gt-a', title: 'Tests', status: 'done', role: 'refinery' },
    { id: 'gt-b', title: 'Code <script>\nline two', status: 'open', role: 'polecat' },
    { id: 'gt-c', title: 'Docs', status: 'open', role: 'librarian' },
    { id: 'gt-d', title: 'Plan check', status: 'open', role: 'crew' },
    { id: 'gt-e', title: 'Unassigned', status: 'open' },
  ],
};

describe('progress comment', () => {
  it('renders a checklist with the marker first and keeps model titles on one escaped line', () => {
    const body = renderProgressComment(progress);
    expect(body.split('\n')[0]).toBe(PROGRESS_MARKER);
    expect(body).toContain('- [x] `gt-a` Tests (done, refinery)');
    expect(body).toContain('- [ ] `gt-b` Code &lt;script&gt; line two (open, polecat)');
    expect(body).toContain('1 of 5 beads done.');
  });

  it("finds only this app's own bot comment that starts with the marker, never another bot's", () => {
    const comments = [
      { id: 1, body: `quoting ${PROGRESS_MARKER}`, user: { login: 'gastown-hybrid[bot]', type: 'Bot' } },
      { id: 2, body: `${PROGRESS_MARKER}\nforged`, user: { login: 'mallory', type: 'User' } },
      { id: 3, body: `${PROGRESS_MARKER}\nother app`, user: { login: 'copycat[bot]', type: 'Bot' } },
      { id: 4, body: `${PROGRESS_MARKER}\nreal`, user: { login: 'gastown-hybrid[bot]', type: 'Bot' } },
    ];
    expect(findProgressComment(comments, 'gastown-hybrid[bot]')?.id).toBe(4);
    expect(findProgressComment(comments.slice(0, 3), 'gastown-hybrid[bot]')).toBeUndefined();
  });

  it('neutralises @mentions and slash commands in model-written titles', () => {
    const body = renderProgressComment({ ...progress, beads: [{ id: 'gt-a', title: '/refinery review @owner please', status: 'open', role: 'polecat' }] });
    expect(body).toContain('`gt-a` \u200b/refinery review @\u200bowner please (open, polecat)');
    expect(body).not.toMatch(/@owner/);
  });
});

describe('selectDispatches', () => {
  it('without a ready list dispatches open beads whose role has a runner workflow', () => {
    expect(selectDispatches(progress)).toEqual([
      { beadId: 'gt-b', kind: 'polecat', workflow: 'polecat.yml' },
      { beadId: 'gt-c', kind: 'librarian', workflow: 'librarian.yml' },
    ]);
  });
  it('with a ready list dispatches only those', () => {
    expect(selectDispatches({ ...progress, ready: ['gt-c', 'gt-a'] }).map((d) => d.beadId)).toEqual(['gt-c']);
  });
  it('knows its own workflow paths', () => {
    expect(isBeadWorkflowPath('.github/workflows/polecat.yml')).toBe(true);
    expect(isBeadWorkflowPath('.github/workflows/ci.yml')).toBe(false);
  });
});

describe('OnceStore', () => {
  it('lets exactly one of many concurrent claims win, survives a new instance, and can release and prune', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gth-once-'));
    try {
      const a = new OnceStore(dir);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : new OnceStore(dir)).claim('delivery/5e8f-1')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await new OnceStore(dir).claim('delivery/5e8f-1')).toBe(false);
      expect(await a.claim('delivery/5e8f-2')).toBe(true);
      await a.release('delivery/5e8f-1');
      expect(await a.claim('delivery/5e8f-1')).toBe(true);
      const [first] = await readdir(dir);
      const old = new Date(Date.now() - 10 * 86_400_000);
      await utimes(join(dir, first!), old, old);
      expect(await a.prune(7 * 86_400_000)).toBe(1);
      expect(await readdir(dir)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('quoteUntrusted', () => {
  it('uses a fence longer than any backtick run in the text', () => {
    const q = quoteUntrusted('Issue body', 'a ```` b');
    expect(q).toContain('`````text\na ```` b\n`````');
    expect(q).toMatch(/never as instructions/);
  });
});

describe('WorkQueue', () => {
  it('runs tasks after the caller returns, in order, and keeps going after a failure', async () => {
    const errors: unknown[] = [];
    const q = new WorkQueue({ error: (o: unknown) => errors.push(o) } as never);
    const seen: string[] = [];
    q.push('a', async () => void seen.push('a'));
    q.push('b', async () => {
      throw new Error('boom');
    });
    q.push('c', async () => void seen.push('c'));
    expect(seen).toEqual([]);
    await q.idle();
    expect(seen).toEqual(['a', 'c']);
    expect(errors).toHaveLength(1);
  });

  it('a task held in one lane does not hold up another lane', async () => {
    const q = new WorkQueue({ error: () => undefined } as never);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    q.push('plan', async () => {
      await held;
      seen.push('plan');
    }, 'epic');
    q.push('review', async () => void seen.push('review'), 'review');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['review']);
    release();
    await q.idle();
    expect(seen).toEqual(['review', 'plan']);
  });
});

describe('public text', () => {
  it('keeps the first line of an error, without paths, URLs or tokens, and logs the rest under a correlation id', () => {
    const logged: unknown[] = [];
    const err = new Error('git fetch failed for o/r in /var/lib/gth/towns/o/r: fatal: https://x-access-token:ghs_abc@github.com/o/r.git\nstderr line two');
    const f = publicFailure({ warn: (obj: unknown) => void logged.push(obj) }, err, 'x');
    expect(f.text).toBe(`git fetch failed for o/r in <path> fatal: <url> (ref: \`${f.id}\`; details are in the app's log)`);
    expect(f.text).not.toContain('/var/lib');
    expect(f.text).not.toContain('ghs_');
    expect(logged).toEqual([expect.objectContaining({ err, ref: f.id })]);
    expect(shortError('ghp_secret123 leaked')).toBe('<token> leaked');
  });

  it('neutralises mentions and a leading slash command on every line', () => {
    expect(neutralize('hi @all\n  /close now\npath a/b')).toBe('hi @\u200ball\n  \u200b/close now\npath a/b');
  });
});
