// Pure: which waiting requests go to a server now, and which model to load (and whom to swap out) next.
//
// Requests for loaded models go first, so a burst for one model does not swap the others in and out; a request
// whose model is not loaded is overtaken by at most `fairness` later ones, after which its load wins: the servers
// it must replace get no new work, drain, and are swapped out. fairness 0 is first-come-first-served.

export interface ServerView {
  id: string;
  /** absent: not running; stopping: being swapped out. */
  state: 'ready' | 'loading' | 'stopping' | 'absent';
  /** Requests the endpoint has in flight on it. */
  inflight: number;
  slots: number;
  /** Lower is more important (the plan's importance); the least important idle server is swapped out first. */
  importance: number;
  /** When its last request finished or started (ms); older is swapped out first among equals. */
  lastUsedMs: number;
}

export interface Waiter {
  seq: number;
  server: string;
  /** How many later requests were served while this one's model was absent or being swapped out (not while it loads:
   * serving others then does not delay it). */
  overtaken: number;
}

export interface ScheduleInput {
  /** Waiting requests, oldest first. */
  queue: readonly Waiter[];
  servers: ReadonlyMap<string, ServerView>;
  fairness: number;
  /** A load or swap is under way (one at a time). */
  loading: boolean;
  /** The VRAM watch paused new loads. */
  loadsPaused: boolean;
  /** Whether `candidate` fits beside the ready servers minus `without`. */
  fits: (candidate: string, without: readonly string[]) => boolean;
}

export interface Schedule {
  dispatch: { seq: number; server: string }[];
  load: { server: string; evict: string[] } | null;
  /** Servers that fit not even alone: their waiting requests cannot be served. */
  impossible: string[];
  /** The queue after dispatching, with updated overtaken counts. */
  queue: Waiter[];
}

type Plan = { kind: 'load'; evict: string[] } | { kind: 'wait'; blockedBy: string[] } | { kind: 'impossible' };

/** The servers to swap out for `target`: least valuable first until it fits; waits while one of them is busy. */
function planLoad(target: string, input: ScheduleInput, queue: readonly Waiter[], mayTakeWanted: boolean, keep: ReadonlySet<string> = new Set()): Plan {
  if (input.fits(target, [])) return { kind: 'load', evict: [] };
  const wanted = new Set(queue.map((w) => w.server));
  const ready = [...input.servers.values()].filter((s) => s.state === 'ready' && s.id !== target);
  if (!input.fits(target, ready.map((s) => s.id))) {
    // Not even alone among ready servers: impossible unless something is still loading or stopping.
    const transient = [...input.servers.values()].some((s) => s.id !== target && (s.state === 'loading' || s.state === 'stopping'));
    return transient ? { kind: 'wait', blockedBy: [] } : { kind: 'impossible' };
  }
  const value = (s: ServerView): [number, number, number] => [wanted.has(s.id) ? 1 : 0, -s.importance, s.lastUsedMs];
  const ordered = ready
    .filter((s) => !keep.has(s.id) && (mayTakeWanted || !wanted.has(s.id)))
    .sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      return va[0] - vb[0] || va[1] - vb[1] || va[2] - vb[2];
    });
  const chosen: ServerView[] = [];
  for (const s of ordered) {
    chosen.push(s);
    if (input.fits(target, chosen.map((c) => c.id))) {
      const busy = chosen.filter((c) => c.inflight > 0).map((c) => c.id);
      return busy.length ? { kind: 'wait', blockedBy: chosen.map((c) => c.id) } : { kind: 'load', evict: chosen.map((c) => c.id) };
    }
  }
  return { kind: 'wait', blockedBy: [] };
}

export function schedule(input: ScheduleInput): Schedule {
  const queue = input.queue.map((w) => ({ ...w }));
  const servers = input.servers;
  const stateOf = (w: Waiter): ServerView['state'] => servers.get(w.server)?.state ?? 'absent';
  const absent = (w: Waiter): boolean => stateOf(w) === 'absent';
  // Its model is gone or going: every later request served now delays it. (Loading: it is on its way; ready: the
  // request waits for a slot on its own server, which serves in order.)
  const delayed = (w: Waiter): boolean => stateOf(w) === 'absent' || stateOf(w) === 'stopping';
  const impossible: string[] = [];
  let load: Schedule['load'] = null;
  const blocked = new Set<string>();

  // A request overtaken often enough has its load decided first: its victims get no new work.
  // While the VRAM watch pauses loads, holding work back from the victims would gain nothing.
  const due = input.loadsPaused ? undefined : queue.find((w) => absent(w) && w.overtaken >= input.fairness);
  if (due) {
    // Requests older than the due one are ahead of it in line: their servers are not swapped out from under them
    // (taking them was a livelock: the due load evicted the model the oldest request waited for, which then came
    // due and evicted it back, forever).
    const ahead = new Set(queue.slice(0, queue.indexOf(due)).map((w) => w.server));
    const p = planLoad(due.server, input, queue, true, ahead);
    if (p.kind === 'impossible') impossible.push(due.server);
    else if (p.kind === 'wait') for (const id of p.blockedBy) blocked.add(id);
    else {
      for (const id of p.evict) blocked.add(id);
      if (!input.loading) load = { server: due.server, evict: p.evict };
    }
  }

  const inflight = new Map([...servers.values()].map((s) => [s.id, s.inflight]));
  const dispatch: Schedule['dispatch'] = [];
  const remaining: Waiter[] = [];
  // A due request is a barrier: nothing behind it may overtake it any more.
  const isDue = (w: Waiter): boolean => !input.loadsPaused && delayed(w) && w.overtaken >= input.fairness;
  let barrier = false;
  for (const w of queue) {
    const s = servers.get(w.server);
    const used = inflight.get(w.server) ?? 0;
    if (!barrier && s && s.state === 'ready' && used < s.slots && !blocked.has(w.server) && !impossible.includes(w.server)) {
      dispatch.push({ seq: w.seq, server: w.server });
      inflight.set(w.server, used + 1);
      for (const earlier of remaining) {
        if (!delayed(earlier)) continue;
        earlier.overtaken++;
        if (isDue(earlier)) barrier = true;
      }
      continue;
    }
    remaining.push(w);
    if (isDue(w) && !impossible.includes(w.server)) barrier = true;
  }

  // No request is due: load for the oldest waiting one when it fits beside what runs; a swap waits until the
  // fleet is idle (or the request is due), so requests for the same model gather and share one swap.
  if (!due && !load && !input.loading && !input.loadsPaused) {
    const first = remaining.find(absent);
    if (first) {
      const p = planLoad(first.server, input, remaining, false);
      const idle = [...inflight.values()].every((n) => n === 0) && !remaining.some((w) => stateOf(w) === 'ready');
      if (p.kind === 'load' && (p.evict.length === 0 || idle)) load = { server: first.server, evict: p.evict };
      else if (p.kind === 'impossible') impossible.push(first.server);
    }
  }
  if (load && !load.evict.every((id) => (inflight.get(id) ?? 0) === 0)) load = null; // never swap out a busy server
  return { dispatch, load, impossible, queue: remaining.filter((w) => !impossible.includes(w.server)) };
}
