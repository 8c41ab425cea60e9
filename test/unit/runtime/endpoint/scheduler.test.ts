// The endpoint's scheduling rules: loaded models first, the fairness bound, swap victims, never a busy server.
import { describe, expect, it } from 'vitest';
import { schedule, type ServerView, type Waiter } from '../../../../src/runtime/endpoint/scheduler.js';

const view = (id: string, over: Partial<ServerView> = {}): ServerView => ({ id, state: 'absent', inflight: 0, slots: 2, importance: 0, lastUsedMs: 0, ...over });
const servers = (...v: ServerView[]): Map<string, ServerView> => new Map(v.map((s) => [s.id, s]));
const q = (...s: string[]): Waiter[] => s.map((server, i) => ({ seq: i + 1, server, overtaken: 0 }));
/** Two servers fit at once, whichever they are. */
const twoFit = (ready: string[]) => (candidate: string, without: readonly string[]): boolean =>
  ready.filter((id) => id !== candidate && !without.includes(id)).length < 2;
const base = { fairness: 2, loading: false, loadsPaused: false };

describe('schedule', () => {
  it('serves requests for loaded models before an older one that needs a swap, counting each overtake up to the bound', () => {
    const s = servers(view('a', { state: 'ready' }), view('b', { state: 'ready' }), view('c'));
    const out = schedule({ ...base, queue: q('c', 'a', 'b'), servers: s, fits: twoFit(['a', 'b']) });
    expect(out.dispatch.map((d) => d.server)).toEqual(['a', 'b']);
    // a and b have no more waiting requests: one of them may go for c (the least recently used, both idle).
    expect(out.queue).toEqual([{ seq: 1, server: 'c', overtaken: 2 }]);
    expect(out.load).toBeNull(); // dispatching made a and b busy: no swap of a busy server
    // With a bound of 1, the second request may not overtake it.
    const strict = schedule({ ...base, fairness: 1, queue: q('c', 'a', 'b'), servers: s, fits: twoFit(['a', 'b']) });
    expect(strict.dispatch.map((d) => d.server)).toEqual(['a']);
    expect(strict.queue.map((w) => [w.server, w.overtaken])).toEqual([['c', 1], ['b', 0]]);
  });

  it('once a request was overtaken `fairness` times, its victims get no new work and it loads when they are idle', () => {
    const s = servers(view('a', { state: 'ready', inflight: 1, importance: 0 }), view('b', { state: 'ready', importance: 1 }), view('c'));
    const waiting: Waiter[] = [{ seq: 1, server: 'c', overtaken: 2 }, { seq: 2, server: 'b', overtaken: 0 }, { seq: 3, server: 'a', overtaken: 0 }];
    const out = schedule({ ...base, queue: waiting, servers: s, fits: twoFit(['a', 'b']) });
    // b (idle, less important) goes; nothing behind c overtakes it any more, not even a request for a.
    expect(out.load).toEqual({ server: 'c', evict: ['b'] });
    expect(out.dispatch).toEqual([]);
    expect(out.queue.map((w) => w.overtaken)).toEqual([2, 0, 0]);
  });

  it('never swaps out a server with a request in flight: the due request waits and the busy server gets no new work', () => {
    const s = servers(view('a', { state: 'ready', inflight: 1 }), view('c'));
    const fits = (candidate: string, without: readonly string[]): boolean => without.includes('a');
    const out = schedule({ ...base, fairness: 0, queue: q('c', 'a'), servers: s, fits });
    expect(out.load).toBeNull();
    expect(out.dispatch).toEqual([]);
    expect(out.queue.map((w) => w.server)).toEqual(['c', 'a']);
  });

  it('first-come-first-served (fairness 0) swaps for the oldest request even when others could be served', () => {
    const s = servers(view('a', { state: 'ready', importance: 1 }), view('b', { state: 'ready' }), view('c'));
    const out = schedule({ ...base, fairness: 0, queue: q('c', 'a'), servers: s, fits: twoFit(['a', 'b']) });
    // a has a waiting request but is the least important: FCFS takes it anyway (b is idle too, but more important).
    expect(out.load).toEqual({ server: 'c', evict: ['b'] });
  });

  it('a due request does not swap out the model an older request waits for (that request is ahead of it in line)', () => {
    // b is the least important, so it would be the victim; but request 1 waits for b and came first. Taking b made
    // first-come-first-served swap b and c for each other forever (each one's waiter came due in turn).
    const s = servers(view('a', { state: 'ready' }), view('b', { state: 'ready', importance: 1, inflight: 1 }), view('c'));
    const waiting: Waiter[] = [{ seq: 1, server: 'b', overtaken: 0 }, { seq: 2, server: 'c', overtaken: 2 }, { seq: 3, server: 'a', overtaken: 0 }];
    const out = schedule({ ...base, queue: waiting, servers: s, fits: twoFit(['a', 'b']) });
    expect(out.load).toEqual({ server: 'c', evict: ['a'] });
    expect(out.dispatch).toEqual([{ seq: 1, server: 'b' }]); // older than the due request: served; 3 stays behind it
  });

  it('counts no overtake while the request\'s own model loads, and one while it is being swapped out', () => {
    const s = servers(view('a', { state: 'ready' }), view('b', { state: 'loading' }), view('c', { state: 'stopping' }));
    const out = schedule({ ...base, queue: q('b', 'c', 'a'), servers: s, fits: () => true });
    expect(out.dispatch).toEqual([{ seq: 3, server: 'a' }]);
    expect(out.queue.map((w) => [w.server, w.overtaken])).toEqual([['b', 0], ['c', 1]]);
  });

  it('prefers swapping out a server nobody waits for', () => {
    const s = servers(view('a', { state: 'ready', importance: 5, slots: 1, inflight: 1 }), view('b', { state: 'ready' }), view('c'));
    const waiting: Waiter[] = [{ seq: 1, server: 'c', overtaken: 2 }, { seq: 2, server: 'a', overtaken: 0 }];
    const out = schedule({ ...base, queue: waiting, servers: s, fits: twoFit(['a', 'b']) });
    expect(out.load).toEqual({ server: 'c', evict: ['b'] });
  });

  it('before a request is due, swaps only when the fleet is idle, so requests for one model share a swap', () => {
    const s = servers(view('a', { state: 'ready', inflight: 1 }), view('b', { state: 'ready' }), view('c'));
    expect(schedule({ ...base, queue: q('c'), servers: s, fits: twoFit(['a', 'b']) }).load).toBeNull();
    const idle = servers(view('a', { state: 'ready', lastUsedMs: 5 }), view('b', { state: 'ready', lastUsedMs: 9 }), view('c'));
    expect(schedule({ ...base, queue: q('c'), servers: idle, fits: twoFit(['a', 'b']) }).load).toEqual({ server: 'c', evict: ['a'] });
  });

  it('loads without a swap when the model fits beside what runs, and not while loads are paused or another load runs', () => {
    const s = servers(view('a', { state: 'ready' }), view('c'));
    const fits = (): boolean => true;
    expect(schedule({ ...base, queue: q('c'), servers: s, fits }).load).toEqual({ server: 'c', evict: [] });
    expect(schedule({ ...base, loadsPaused: true, queue: q('c'), servers: s, fits }).load).toBeNull();
    expect(schedule({ ...base, loading: true, queue: q('c'), servers: s, fits }).load).toBeNull();
  });

  it('reports a model that fits not even alone, and drops its waiters from the queue', () => {
    const s = servers(view('a', { state: 'ready' }), view('huge'));
    const out = schedule({ ...base, queue: q('huge', 'a'), servers: s, fits: () => false });
    expect(out.impossible).toEqual(['huge']);
    expect(out.queue).toEqual([]);
    expect(out.dispatch).toEqual([{ seq: 2, server: 'a' }]);
  });

  it('keeps requests beyond free slots waiting without counting them as overtaken', () => {
    const s = servers(view('a', { state: 'ready', slots: 1 }));
    const out = schedule({ ...base, queue: q('a', 'a'), servers: s, fits: () => true });
    expect(out.dispatch).toEqual([{ seq: 1, server: 'a' }]);
    expect(out.queue).toEqual([{ seq: 2, server: 'a', overtaken: 0 }]);
  });
});
