// The waiting room replayed on a virtual clock: exact swap counts on a hand-made trace, and the fairness bound held.
import { describe, expect, it } from 'vitest';
import { replay, type TraceRequest } from '../../../../src/runtime/endpoint/replay.js';
import { WaitingRoom } from '../../../../src/runtime/endpoint/waiting-room.js';

const req = (at: number, server: string, serviceMs = 10): TraceRequest => ({ at, server, serviceMs });
/** At most `k` models at once, whichever they are. */
const atMost = (k: number) => (candidate: string, beside: readonly string[]): boolean => beside.filter((id) => id !== candidate).length + 1 <= k;
const abc = [{ id: 'a', slots: 1, importance: 0 }, { id: 'b', slots: 1, importance: 1 }, { id: 'c', slots: 1, importance: 2 }];

describe('replay (virtual clock)', () => {
  // a and b run, c needs a swap; one slot each, 10 ms per request, a stop takes 10 ms and a load 100 ms.
  const trace = [req(0, 'c'), req(0, 'a'), req(0, 'b'), req(1, 'a'), req(1, 'c'), req(2, 'a')];
  const opts = { servers: abc, running: ['a', 'b'], fits: atMost(2), loadMs: 100, stopMs: 10 };

  it('reordered (fairness 2): two swaps; the loaded model serves its requests while c loads, b waits its two overtakes', () => {
    const r = replay(trace, { ...opts, fairness: 2 });
    // t=0: c swaps out b (idle, less important than a); a serves requests 1, 3, 5 while c loads and b is gone:
    // 3 and 5 overtake request 2 (for b), which is then due. At 110 c is up (0, then 4); b comes back in place of a
    // (c is kept: request 0, older than 2, waits for it), and serves 2 at 220.
    expect(r.order).toEqual([1, 3, 5, 0, 4, 2]);
    expect(r.swaps).toBe(2);
    expect(r.loads).toBe(2);
    expect(r.overtaken).toEqual([0, 0, 2, 0, 0, 0]);
    expect(r.waits).toEqual([110, 0, 220, 9, 119, 18]);
  });

  it('first-come-first-served (fairness 0): the same trace costs four swaps and nobody is overtaken', () => {
    const r = replay(trace, { ...opts, fairness: 0 });
    // c in for b, b in for a, a in for c, c in for b: each request's model is fetched in arrival order, while a
    // free a idles from 10 to 120 because request 2 (b) is first in line.
    expect(r.swaps).toBe(4);
    expect(r.order).toEqual([1, 0, 2, 3, 5, 4]);
    expect(Math.max(...r.overtaken)).toBe(0);
  });

  it('gives the same result every run', () => {
    expect(replay(trace, { ...opts, fairness: 2 })).toEqual(replay(trace, { ...opts, fairness: 2 }));
  });

  // One model at a time; a stream of requests for a, and one for c in the middle of it.
  const stream = [req(0, 'a'), req(1, 'c'), ...Array.from({ length: 10 }, (_, i) => req(2 + i, 'a'))];
  const one = { servers: [abc[0]!, abc[2]!], running: ['a'], fits: atMost(1), loadMs: 100, stopMs: 10 };

  it('no request is overtaken more than `fairness` times, however many later requests could be served first', () => {
    const bounded = replay(stream, { ...one, fairness: 3 });
    expect(bounded.overtaken[1]).toBe(3); // three a requests went first, then c was due: a swapped out, c, a back in
    expect(Math.max(...bounded.overtaken)).toBe(3);
    expect(bounded.swaps).toBe(2);
    // Without a bound worth the name, c waits for the whole stream (one swap, at the end): the count sees that.
    const unbounded = replay(stream, { ...one, fairness: 100 });
    expect(unbounded.overtaken[1]).toBe(10);
    expect(unbounded.swaps).toBe(1);
  });
});

describe('replay over random fleets and traces', () => {
  /** Deterministic pseudo-random numbers: a failure names its seed and replays the same. */
  const rng = (seed: number) => {
    let s = seed >>> 0;
    return (): number => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  };

  it('serves every request, and none is overtaken more than `fairness` times (2-4 models, 1-3 fit, 1-3 slots)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const ids = ['a', 'b', 'c', 'd'].slice(0, 2 + Math.floor(r() * 3));
      const fit = 1 + Math.floor(r() * (ids.length - 1));
      let at = 0;
      const trace = Array.from({ length: 60 }, () => req((at += Math.floor(r() * 20)), ids[Math.floor(r() * ids.length)]!, 1 + Math.floor(r() * 40)));
      const servers = ids.map((id) => ({ id, slots: 1 + Math.floor(r() * 3), importance: Math.floor(r() * 3) }));
      const loadMs = 1 + Math.floor(r() * 200);
      const stopMs = Math.floor(r() * 20);
      for (const fairness of [0, 1, 3, 8]) {
        // replay() throws when a request is never served or the policy swaps without end.
        const out = replay(trace, { servers, fairness, running: ids.slice(0, fit), fits: atMost(fit), loadMs, stopMs });
        expect({ seed, fairness, served: out.order.length, most: Math.max(...out.overtaken) <= fairness }).toEqual({ seed, fairness, served: 60, most: true });
      }
    }
  });
});

describe('WaitingRoom', () => {
  it('marks every victim of a swap stopping at once: none gets new work while the first one stops', () => {
    const room = new WaitingRoom([{ id: 'a', slots: 1, importance: 0 }, { id: 'b', slots: 1, importance: 1 }, { id: 'big', slots: 1, importance: 2 }], 0);
    const up = (id: string): 'ready' | 'down' => (id === 'big' ? 'down' : 'ready');
    room.enqueue('big');
    // big fits only alone: both a and b go (the room asks whether it fits without the servers named).
    const alone = (_c: string, without: readonly string[]): boolean => without.length === 2;
    const first = room.step(0, up, false, alone);
    expect(first.load).toEqual({ server: 'big', evict: ['b', 'a'] });
    room.enqueue('a');
    const second = room.step(1, up, false, alone);
    expect(second.dispatch).toEqual([]); // a is still up, but it is on its way out
    room.stopped('b', true);
    room.stopped('a', true);
    room.loaded();
    expect(room.swaps).toBe(2);
  });
});
