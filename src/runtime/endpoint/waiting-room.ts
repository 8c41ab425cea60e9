// Pure state of the endpoint's waiting room (who waits, what is in flight where, what loads or stops) stepped by the scheduler.
//
// No clock, no timers, no I/O: the caller passes `now` and what the supervisor reports, and carries out the loads and
// stops a step asks for. The live dispatcher drives it on the wall clock; the trace replay (replay.ts) drives the same
// code on a virtual clock, so the benchmark measures the policy the endpoint really runs.
import { schedule, type Schedule, type ServerView, type Waiter } from './scheduler.js';

/** What the room needs of a planned server. */
export interface RoomServer {
  id: string;
  slots: number;
  /** Lower is more important (the plan's importance). */
  importance: number;
}

/** The supervisor's word on a server: serving, starting (or restarting after a crash), or not running. */
export type UpState = 'ready' | 'starting' | 'down';

export interface Step {
  /** Requests handed a slot in this step (already counted in flight). */
  dispatch: Schedule['dispatch'];
  /** A load to carry out now: its victims are already marked stopping and the target loading. */
  load: Schedule['load'];
  /** Waiters dropped because their model fits not even alone, by server. */
  impossible: { server: string; seqs: number[] }[];
}

export class WaitingRoom {
  private readonly waiters: Waiter[] = [];
  private readonly inflight = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();
  private readonly stopping = new Set<string>();
  private readonly servers: Map<string, RoomServer>;
  private loadingId: string | null = null;
  private seq = 0;
  /** Swaps done (servers stopped to make room). */
  swaps = 0;

  constructor(servers: readonly RoomServer[], private readonly fairness: number) {
    this.servers = new Map(servers.map((s) => [s.id, s]));
  }

  get queued(): number {
    return this.waiters.length;
  }

  get loading(): string | null {
    return this.loadingId;
  }

  inflightOn(id: string): number {
    return this.inflight.get(id) ?? 0;
  }

  /** The waiting requests, oldest first (copies). */
  waiting(): Waiter[] {
    return this.waiters.map((w) => ({ ...w }));
  }

  /**
   * The common case: nobody waits and the server is ready with a slot free, not being loaded or swapped out. Takes the
   * slot and returns true; the scheduler would dispatch such a request at once anyway, so skipping it changes nothing.
   */
  takeFreeSlot(id: string, up: UpState, now: number): boolean {
    const s = this.servers.get(id);
    if (this.waiters.length || !s || up !== 'ready' || this.stopping.has(id) || this.loadingId === id) return false;
    if (this.inflightOn(id) >= s.slots) return false;
    this.inflight.set(id, this.inflightOn(id) + 1);
    this.lastUsed.set(id, now);
    return true;
  }

  /** Queues a request for `server`; returns its sequence number. */
  enqueue(server: string): number {
    this.waiters.push({ seq: ++this.seq, server, overtaken: 0 });
    return this.seq;
  }

  /** Takes a waiter out (gave up, timed out, failed); false when it was no longer waiting. */
  leave(seq: number): boolean {
    const i = this.waiters.findIndex((w) => w.seq === seq);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    return true;
  }

  /** The waiters for one server, e.g. to fail them when its start failed. */
  waitingFor(server: string): number[] {
    return this.waiters.filter((w) => w.server === server).map((w) => w.seq);
  }

  release(id: string, now: number): void {
    this.inflight.set(id, Math.max(0, this.inflightOn(id) - 1));
    this.lastUsed.set(id, now);
  }

  private views(up: (id: string) => UpState): Map<string, ServerView> {
    const views = new Map<string, ServerView>();
    for (const s of this.servers.values()) {
      const u = up(s.id);
      const state: ServerView['state'] = this.stopping.has(s.id) ? 'stopping'
        : this.loadingId === s.id ? 'loading'
        : u === 'ready' ? 'ready'
        : u === 'starting' ? 'loading' // starting or restarting after a crash: wait for it
        : 'absent';
      views.set(s.id, { id: s.id, state, inflight: this.inflightOn(s.id), slots: s.slots, importance: s.importance, lastUsedMs: this.lastUsed.get(s.id) ?? 0 });
    }
    return views;
  }

  /** Whether a step may start a load, so the caller takes a (costly) live VRAM reading first. */
  mayLoad(up: (id: string) => UpState, paused: boolean): boolean {
    if (this.loadingId || paused || !this.waiters.length) return false;
    return this.waiters.some((w) => !this.stopping.has(w.server) && w.server !== this.loadingId && up(w.server) === 'down');
  }

  /**
   * One scheduling pass: hands out slots, updates the overtaken counts, drops impossible waiters, and starts the load
   * the scheduler chose (its victims are marked stopping at once, all of them, so none gets new work meanwhile).
   */
  step(now: number, up: (id: string) => UpState, paused: boolean, fits: (candidate: string, without: readonly string[]) => boolean): Step {
    if (!this.waiters.length) return { dispatch: [], load: null, impossible: [] };
    const out = schedule({ queue: this.waiters, servers: this.views(up), fairness: this.fairness, loading: this.loadingId !== null, loadsPaused: paused, fits });
    const kept = new Map(out.queue.map((w) => [w.seq, w]));
    const dropped = new Map<string, number[]>();
    for (const d of out.dispatch) {
      this.inflight.set(d.server, this.inflightOn(d.server) + 1);
      this.lastUsed.set(d.server, now);
    }
    for (const w of this.waiters) {
      if (out.impossible.includes(w.server)) dropped.set(w.server, [...(dropped.get(w.server) ?? []), w.seq]);
    }
    const left = this.waiters.filter((w) => kept.has(w.seq)).map((w) => kept.get(w.seq)!);
    this.waiters.splice(0, this.waiters.length, ...left);
    if (out.load) {
      this.loadingId = out.load.server;
      for (const victim of out.load.evict) this.stopping.add(victim);
    }
    return { dispatch: out.dispatch, load: out.load, impossible: [...dropped].map(([server, seqs]) => ({ server, seqs })) };
  }

  /** A victim's stop finished (ok: it stopped and counts as a swap). */
  stopped(id: string, ok: boolean): void {
    this.stopping.delete(id);
    if (ok) this.swaps++;
  }

  /** The load finished, whether the server came up or not. */
  loaded(): void {
    this.loadingId = null;
  }
}
