// The waiting room in front of the fleet: bounded queue, one load or swap at a time, slots per server, waiter timeouts.
import type { Logger } from 'pino';
import type { ServerPlan } from '../../fleet/plan-schema.js';
import type { ServerState } from '../state-store.js';
import type { FleetControl } from './fleet-control.js';
import { WaitingRoom, type UpState } from './waiting-room.js';

export class QueueFullError extends Error {}
export class NotServedError extends Error {}

interface Pending {
  seq: number;
  resolve: (s: ServerState) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface DispatcherOptions {
  control: FleetControl;
  plans: readonly ServerPlan[];
  queueSize: number;
  fairness: number;
  maxWaitMs: number;
  log: Logger;
  /** Re-checks the queue this often (pressure lifted, a crashed server restarted). */
  tickMs?: number;
}

export interface Lease {
  server: ServerState;
  release(): void;
}

const upState = (s: ServerState | undefined): UpState => (s?.status === 'ready' ? 'ready' : s ? 'starting' : 'down');

/** The waiting room (waiting-room.ts) on the wall clock, with the requests' promises, timeouts and the fleet's I/O. */
export class Dispatcher {
  private readonly room: WaitingRoom;
  private readonly pending = new Map<number, Pending>();
  private readonly plans: Map<string, ServerPlan>;
  private pumping = false;
  private again = false;
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly o: DispatcherOptions) {
    this.plans = new Map(o.plans.map((p) => [p.id, p]));
    this.room = new WaitingRoom(o.plans, o.fairness);
    this.ticker = setInterval(() => this.pump(), o.tickMs ?? 1000);
    this.ticker.unref();
  }

  get queued(): number {
    return this.room.queued;
  }

  /** Swaps done (servers stopped to make room), for status and the benchmark. */
  get swaps(): number {
    return this.room.swaps;
  }

  inflightOn(id: string): number {
    return this.room.inflightOn(id);
  }

  /** Waits for a slot on the server (loading it first if needed); `signal` aborts the wait (client gone). */
  acquire(serverId: string, signal: AbortSignal): Promise<Lease> {
    // The common case, a free slot on a loaded model with nobody waiting, skips the queue: a timer, a listener and a
    // scheduling pass per request add latency. Only then is the supervisor asked about the server.
    if (this.room.queued === 0 && this.plans.has(serverId)) {
      const s = this.o.control.running().find((x) => x.id === serverId);
      if (s && this.room.takeFreeSlot(serverId, upState(s), Date.now())) return Promise.resolve(this.lease(serverId, s));
    }
    if (this.room.queued >= this.o.queueSize) {
      return Promise.reject(new QueueFullError(`the queue is full (${this.o.queueSize} requests waiting)`));
    }
    return new Promise<ServerState>((resolve, reject) => {
      const seq = this.room.enqueue(serverId);
      const p: Pending = {
        seq, resolve, reject,
        timer: setTimeout(() => this.fail(p, new NotServedError(`waited ${Math.round(this.o.maxWaitMs / 1000)} s without a free slot on ${serverId}`)), this.o.maxWaitMs),
      };
      this.pending.set(seq, p);
      signal.addEventListener('abort', () => this.fail(p, new Error('client went away')), { once: true });
      this.pump();
    }).then((server) => this.lease(serverId, server));
  }

  private lease(serverId: string, server: ServerState): Lease {
    let released = false;
    return {
      server,
      release: () => {
        if (released) return;
        released = true;
        this.room.release(serverId, Date.now());
        // Nobody waits: no scheduling pass is needed (the ticker still retries pending loads).
        if (this.room.queued) this.pump();
      },
    };
  }

  close(): void {
    clearInterval(this.ticker);
    for (const p of [...this.pending.values()]) this.fail(p, new NotServedError('the endpoint is shutting down'));
  }

  private fail(p: Pending, err: Error): void {
    if (!this.pending.delete(p.seq)) return;
    this.room.leave(p.seq);
    clearTimeout(p.timer);
    p.reject(err);
    this.pump(); // a request that left may have been the one holding a swap back
  }

  /** Serialized: one scheduling pass at a time; a request arriving meanwhile triggers one more. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pass()
      .catch((err: unknown) => this.o.log.error({ err: (err as Error).message }, 'endpoint scheduling failed'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private async pass(): Promise<void> {
    if (this.room.queued === 0) return;
    const paused = this.o.control.loadsPaused();
    const upOf = (running: ServerState[]): ((id: string) => UpState) => {
      const byId = new Map(running.map((s) => [s.id, s]));
      return (id) => upState(byId.get(id));
    };
    // A live VRAM reading only when a load may follow: the common case (model loaded) stays cheap.
    const fit = this.room.mayLoad(upOf(this.o.control.running()), paused) ? await this.o.control.fitCheck() : null;
    // The fleet is read again after the reading: what it looked like before the await may be stale.
    const running = this.o.control.running();
    const ready = running.filter((s) => s.status === 'ready').map((s) => s.id);
    const out = this.room.step(Date.now(), upOf(running), paused, (candidate, without) => {
      const plan = this.plans.get(candidate);
      if (!plan || !fit) return false;
      return fit(plan, ready.filter((id) => !without.includes(id))) === null;
    });
    const byId = new Map(running.map((s) => [s.id, s]));
    for (const d of out.dispatch) {
      const p = this.pending.get(d.seq)!;
      this.pending.delete(d.seq);
      clearTimeout(p.timer);
      p.resolve(byId.get(d.server)!);
    }
    for (const { server, seqs } of out.impossible) {
      const plan = this.plans.get(server)!;
      const why = fit?.(plan, []) ?? 'it does not fit';
      for (const seq of seqs) this.reject(seq, new NotServedError(`${plan.model} cannot be loaded: ${why}`));
    }
    if (out.load) void this.load(out.load.server, out.load.evict);
  }

  /** Rejects a request the room already let go. */
  private reject(seq: number, err: Error): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /** Carries out a load the room started: stops its victims one by one, then starts the server. */
  private async load(id: string, evict: string[]): Promise<void> {
    const plan = this.plans.get(id)!;
    try {
      for (const victim of evict) {
        this.o.log.info({ server: victim, for: id }, 'swapping out an idle server to load another');
        let ok = false;
        try {
          await this.o.control.stop(victim);
          ok = true;
        } finally {
          this.room.stopped(victim, ok);
        }
      }
      this.o.log.info({ server: id }, 'loading a model for waiting requests');
      await this.o.control.start(plan);
    } catch (err) {
      for (const v of evict) this.room.stopped(v, false); // a failed stop leaves the rest unstopped: not stopping any more
      const msg = (err as Error).message.split('\n')[0] ?? 'start failed';
      for (const seq of this.room.waitingFor(id)) {
        this.room.leave(seq);
        this.reject(seq, new NotServedError(`${plan.model} could not be started: ${msg}`));
      }
    } finally {
      this.room.loaded();
      this.pump();
    }
  }
}
