// The waiting room in front of the fleet: bounded queue, one load or swap at a time, slots per server, waiter timeouts.
import type { Logger } from 'pino';
import type { ServerPlan } from '../../fleet/plan-schema.js';
import type { ServerState } from '../state-store.js';
import type { FleetControl } from './fleet-control.js';
import { schedule, type ServerView, type Waiter } from './scheduler.js';

export class QueueFullError extends Error {}
export class NotServedError extends Error {}

interface Pending extends Waiter {
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

export class Dispatcher {
  private readonly waiting: Pending[] = [];
  private readonly inflight = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();
  private readonly plans: Map<string, ServerPlan>;
  private loading: string | null = null;
  private stopping = new Set<string>();
  private seq = 0;
  private pumping = false;
  private again = false;
  private readonly ticker: NodeJS.Timeout;
  /** Swaps done (servers stopped to make room), for status and the benchmark. */
  swaps = 0;

  constructor(private readonly o: DispatcherOptions) {
    this.plans = new Map(o.plans.map((p) => [p.id, p]));
    this.ticker = setInterval(() => this.pump(), o.tickMs ?? 1000);
    this.ticker.unref();
  }

  get queued(): number {
    return this.waiting.length;
  }

  inflightOn(id: string): number {
    return this.inflight.get(id) ?? 0;
  }

  /** Waits for a slot on the server (loading it first if needed); `signal` aborts the wait (client gone). */
  acquire(serverId: string, signal: AbortSignal): Promise<Lease> {
    // The common case, a free slot on a loaded model with nobody waiting, skips the queue: the scheduler would
    // dispatch it at once anyway, and a timer, a listener and a scheduling pass per request add latency.
    const now = this.waiting.length === 0 ? this.freeSlot(serverId) : null;
    if (now) {
      this.inflight.set(serverId, this.inflightOn(serverId) + 1);
      this.lastUsed.set(serverId, Date.now());
      return Promise.resolve(this.lease(serverId, now));
    }
    if (this.waiting.length >= this.o.queueSize) {
      return Promise.reject(new QueueFullError(`the queue is full (${this.o.queueSize} requests waiting)`));
    }
    return new Promise<ServerState>((resolve, reject) => {
      const p: Pending = {
        seq: ++this.seq, server: serverId, overtaken: 0, resolve, reject,
        timer: setTimeout(() => this.fail(p, new NotServedError(`waited ${Math.round(this.o.maxWaitMs / 1000)} s without a free slot on ${serverId}`)), this.o.maxWaitMs),
      };
      signal.addEventListener('abort', () => this.fail(p, new Error('client went away')), { once: true });
      this.waiting.push(p);
      this.pump();
    }).then((server) => this.lease(serverId, server));
  }

  /** The server when it is ready, not being swapped out or loaded, and has a slot free; else null. */
  private freeSlot(serverId: string): ServerState | null {
    if (this.stopping.has(serverId) || this.loading === serverId) return null;
    const plan = this.plans.get(serverId);
    if (!plan || this.inflightOn(serverId) >= plan.slots) return null;
    const s = this.o.control.running().find((x) => x.id === serverId);
    return s?.status === 'ready' ? s : null;
  }

  private lease(serverId: string, server: ServerState): Lease {
    let released = false;
    return {
      server,
      release: () => {
        if (released) return;
        released = true;
        this.inflight.set(serverId, Math.max(0, this.inflightOn(serverId) - 1));
        this.lastUsed.set(serverId, Date.now());
        // Nobody waits: no scheduling pass is needed (the ticker still retries pending loads).
        if (this.waiting.length) this.pump();
      },
    };
  }

  close(): void {
    clearInterval(this.ticker);
    for (const p of [...this.waiting]) this.fail(p, new NotServedError('the endpoint is shutting down'));
  }

  private fail(p: Pending, err: Error): void {
    const i = this.waiting.indexOf(p);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    clearTimeout(p.timer);
    p.reject(err);
    this.pump(); // a request that left may have been the one holding a swap back
  }

  private views(running: ServerState[]): Map<string, ServerView> {
    const byId = new Map(running.map((s) => [s.id, s]));
    const views = new Map<string, ServerView>();
    for (const plan of this.plans.values()) {
      const s = byId.get(plan.id);
      const state: ServerView['state'] = this.stopping.has(plan.id) ? 'stopping'
        : this.loading === plan.id ? 'loading'
        : s?.status === 'ready' ? 'ready'
        : s ? 'loading' // starting or restarting after a crash: wait for it
        : 'absent';
      views.set(plan.id, {
        id: plan.id, state, inflight: this.inflightOn(plan.id), slots: plan.slots, importance: plan.importance, lastUsedMs: this.lastUsed.get(plan.id) ?? 0,
      });
    }
    return views;
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
    if (this.waiting.length === 0) return;
    const running = this.o.control.running();
    const views = this.views(running);
    const paused = this.o.control.loadsPaused();
    // A live VRAM reading only when a load may follow: the common case (model loaded) stays cheap.
    const needsLoad = !this.loading && !paused && this.waiting.some((w) => views.get(w.server)?.state === 'absent');
    const fit = needsLoad ? await this.o.control.fitCheck() : null;
    const ready = running.filter((s) => s.status === 'ready').map((s) => s.id);
    const out = schedule({
      queue: this.waiting, servers: views, fairness: this.o.fairness, loading: this.loading !== null, loadsPaused: paused,
      fits: (candidate, without) => {
        const plan = this.plans.get(candidate);
        if (!plan || !fit) return false;
        return fit(plan, ready.filter((id) => !without.includes(id))) === null;
      },
    });
    const bySeq = new Map(this.waiting.map((p) => [p.seq, p]));
    const byId = new Map(running.map((s) => [s.id, s]));
    for (const d of out.dispatch) {
      const p = bySeq.get(d.seq)!;
      this.waiting.splice(this.waiting.indexOf(p), 1);
      clearTimeout(p.timer);
      this.inflight.set(d.server, this.inflightOn(d.server) + 1);
      this.lastUsed.set(d.server, Date.now());
      p.resolve(byId.get(d.server)!);
    }
    for (const w of out.queue) {
      const p = bySeq.get(w.seq);
      if (p) p.overtaken = w.overtaken;
    }
    for (const id of out.impossible) {
      const plan = this.plans.get(id)!;
      const why = fit?.(plan, []) ?? 'it does not fit';
      for (const p of this.waiting.filter((x) => x.server === id)) this.fail(p, new NotServedError(`${plan.model} cannot be loaded: ${why}`));
    }
    if (out.load) void this.load(out.load.server, out.load.evict);
  }

  private async load(id: string, evict: string[]): Promise<void> {
    const plan = this.plans.get(id)!;
    this.loading = id;
    try {
      for (const victim of evict) {
        this.stopping.add(victim);
        this.o.log.info({ server: victim, for: id }, 'swapping out an idle server to load another');
        try {
          await this.o.control.stop(victim);
          this.swaps++;
        } finally {
          this.stopping.delete(victim);
        }
      }
      this.o.log.info({ server: id }, 'loading a model for waiting requests');
      await this.o.control.start(plan);
    } catch (err) {
      const msg = (err as Error).message.split('\n')[0] ?? 'start failed';
      for (const p of this.waiting.filter((x) => x.server === id)) this.fail(p, new NotServedError(`${plan.model} could not be started: ${msg}`));
    } finally {
      this.loading = null;
      this.pump();
    }
  }
}
