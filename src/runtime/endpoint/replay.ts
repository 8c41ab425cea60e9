// Replays a request trace through the endpoint's waiting room on a virtual clock: same trace, same swaps, every run.
//
// The live dispatcher runs the waiting room on the wall clock, where what is queued when a server frees depends on
// the machine's timing; the benchmark measured first-come-first-served at anywhere from 176 to 255 swaps on one trace.
// Here arrivals and service times come from the trace and loads/stops take stated constant times, and every event
// (arrival, completion, stop, load) is followed by one scheduling step, as the dispatcher's pump does.
import { WaitingRoom, type RoomServer, type UpState } from './waiting-room.js';

export interface TraceRequest {
  /** Arrival, ms from the start of the trace. */
  at: number;
  server: string;
  /** How long the server works on it once it has a slot (ms). */
  serviceMs: number;
}

export interface ReplayOptions {
  servers: readonly RoomServer[];
  fairness: number;
  /** Loaded when the trace starts. */
  running: readonly string[];
  /** Does `candidate` fit beside the servers in `beside` (those up, less the ones a swap would stop)? */
  fits: (candidate: string, beside: readonly string[]) => boolean;
  /** Time to load a model, and to stop one (ms). */
  loadMs: number;
  stopMs: number;
}

export interface ReplayResult {
  /** Servers stopped to make room for another. */
  swaps: number;
  loads: number;
  /** Per request (trace order): ms from arrival to a slot. */
  waits: number[];
  /** Per request: later requests served while its model was absent or being swapped out (not while it loaded, which
   * they did not delay), counted here by watching the fleet, not by the scheduler's own count. */
  overtaken: number[];
  /** Trace indices in the order they got a slot. */
  order: number[];
  /** When the last request finished (ms). */
  endMs: number;
}

type Event =
  | { kind: 'arrive'; i: number }
  | { kind: 'done'; server: string }
  | { kind: 'stopped'; server: string }
  | { kind: 'loaded'; server: string };

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

export function replay(trace: readonly TraceRequest[], o: ReplayOptions): ReplayResult {
  const room = new WaitingRoom(o.servers, o.fairness);
  const up = new Map<string, UpState>(o.running.map((id) => [id, 'ready']));
  const upOf = (id: string): UpState => up.get(id) ?? 'down';
  const stopping = new Set<string>();
  let loading: string | null = null;
  // The event queue, ordered by time and then by when it was scheduled (ties resolve the same way every run).
  const events: { t: number; n: number; e: Event }[] = [];
  let n = 0;
  const at = (t: number, e: Event): void => {
    const item = { t, n: n++, e };
    let i = events.length;
    while (i > 0 && (events[i - 1]!.t > t || (events[i - 1]!.t === t && events[i - 1]!.n > item.n))) i--;
    events.splice(i, 0, item);
  };
  trace.forEach((r, i) => at(r.at, { kind: 'arrive', i }));

  const waits = trace.map(() => Number.NaN);
  const overtaken = trace.map(() => 0);
  const order: number[] = [];
  const bySeq = new Map<number, number>();
  let loads = 0;
  let now = 0;
  let endMs = 0;

  const serve = (i: number): void => {
    waits[i] = now - trace[i]!.at;
    order.push(i);
    at(now + trace[i]!.serviceMs, { kind: 'done', server: trace[i]!.server });
  };

  const step = (): void => {
    // Which models are gone or going as the step begins (not loaded and not loading, or being swapped out): a request
    // for one of them is overtaken by each later request served now, since that delays it.
    const gone = new Set(o.servers.filter((s) => (upOf(s.id) === 'down' && loading !== s.id) || stopping.has(s.id)).map((s) => s.id));
    const ready = [...up].filter(([, u]) => u === 'ready').map(([id]) => id);
    const out = room.step(now, upOf, false, (candidate, without) => o.fits(candidate, ready.filter((id) => !without.includes(id))));
    if (out.impossible.length) throw new Error(`replay: ${out.impossible.map((x) => x.server).join(', ')} fits not even alone`);
    const waiting = room.waiting();
    for (const d of out.dispatch) {
      for (const w of waiting) if (w.seq < d.seq && gone.has(w.server)) overtaken[bySeq.get(w.seq)!]!++;
      serve(bySeq.get(d.seq)!);
    }
    if (out.load) {
      const { server, evict } = out.load;
      loading = server;
      loads++;
      let t = now;
      for (const v of evict) {
        stopping.add(v);
        t += o.stopMs;
        at(t, { kind: 'stopped', server: v });
      }
      at(t + o.loadMs, { kind: 'loaded', server });
    }
  };

  // A policy that swaps back and forth without serving anyone never runs out of events: stop it with a clear error
  // (each request brings at most a few events: arrival, completion, and its share of stops and loads).
  const limit = 100 * (trace.length + 10);
  let handled = 0;
  while (events.length) {
    if (++handled > limit) {
      throw new Error(`replay: no end after ${limit} events (at ${now} ms, ${room.queued} waiting, ${room.swaps} swaps): the policy swaps without serving`);
    }
    const { t, e } = events.shift()!;
    now = t;
    if (e.kind === 'arrive') {
      const server = trace[e.i]!.server;
      if (room.takeFreeSlot(server, upOf(server), now)) serve(e.i);
      else bySeq.set(room.enqueue(server), e.i);
    } else if (e.kind === 'done') {
      room.release(e.server, now);
      endMs = now;
    } else if (e.kind === 'stopped') {
      up.delete(e.server);
      stopping.delete(e.server);
      room.stopped(e.server, true);
    } else {
      up.set(e.server, 'ready');
      loading = null;
      room.loaded();
    }
    step();
  }
  if (room.queued) throw new Error(`replay: ${room.queued} requests never got a slot`);
  return { swaps: room.swaps, loads, waits, overtaken, order, endMs };
}
