// Feeds events to the machine for one convoy, performs the effects through a driver's LifecycleEffects, and repeats until quiet.
import type { Logger } from 'pino';
import type { Bead, Convoy } from '../beads/schema.js';
import type { BeadStore } from '../beads/store.js';
import type { LifecycleEffects, FollowUp } from './effects.js';
import { convoyTick, lifeConvoyOf, DEFAULT_POLICY, type BeadEvent, type ConvoyEvent, type Effect, type LifecyclePolicy, type Refusal } from './machine.js';
import { applyBeadEvent, applyConvoyEvent, formatRefusal } from './persist.js';

export interface DriverOptions {
  store: BeadStore;
  convoyId: string;
  effects: LifecycleEffects;
  log: Logger;
  policy?: LifecyclePolicy;
  /** Jobs claim their beads (runner workflows): see MachineContext.jobsClaim. */
  jobsClaim?: boolean;
  now?: () => Date;
  /** Who the bead history names for engine moves (default: the store's actor). */
  by?: string;
  /** Told about every accepted bead event (progress views). */
  onBead?: (bead: Bead, event: BeadEvent, note: string) => void;
}

/**
 * One convoy's driver. `feed` / `feedConvoy` take an event from outside (a webhook, a restart); `settle` performs
 * queued follow-ups and convoy ticks until nothing is left to do now. Local drivers get every result as a
 * follow-up, so `settle` runs the whole convoy; the GitHub app calls it after each webhook.
 */
export class ConvoyDriver {
  private readonly queue: FollowUp[] = [];
  readonly refusals: Refusal[] = [];

  constructor(private readonly o: DriverOptions) {}

  private get policy(): LifecyclePolicy {
    return this.o.policy ?? DEFAULT_POLICY;
  }

  async convoy(): Promise<Convoy> {
    return this.o.store.getConvoy(this.o.convoyId);
  }

  async beads(): Promise<Bead[]> {
    const ids = new Set((await this.convoy()).beads);
    return (await this.o.store.list()).filter((b) => ids.has(b.id));
  }

  /** Applies one bead event and performs its effects; true when the machine accepted it. */
  async feed(beadId: string, event: BeadEvent): Promise<boolean> {
    const stopped = lifeConvoyOf(await this.convoy()).life.status === 'stopped';
    const r = await applyBeadEvent(this.o.store, beadId, event, { policy: this.policy, stopped, jobsClaim: this.o.jobsClaim, now: this.o.now?.(), by: this.o.by });
    if (!r.ok) {
      this.refusals.push(r.refusal);
      this.o.log.warn({ refusal: r.refusal }, formatRefusal(r.refusal));
      return false;
    }
    this.o.onBead?.(r.value, event, r.note);
    for (const e of r.effects) this.queue.push(...(await this.perform(e, r.value)));
    return true;
  }

  async feedConvoy(event: ConvoyEvent): Promise<boolean> {
    const r = await applyConvoyEvent(this.o.store, this.o.convoyId, event);
    if (!r.ok) {
      this.refusals.push(r.refusal);
      this.o.log.warn({ refusal: r.refusal }, formatRefusal(r.refusal));
      return false;
    }
    this.o.log.info({ convoy: this.o.convoyId }, r.note);
    for (const e of r.effects) this.queue.push(...(await this.perform(e, null)));
    return true;
  }

  /** After a restart: every bead that was being worked on picks up its current step again. */
  async resume(): Promise<string[]> {
    const resumed: string[] = [];
    for (const b of await this.beads()) {
      if (b.status !== 'in_progress' && b.status !== 'review') continue;
      if (await this.feed(b.id, { type: 'resume' })) resumed.push(b.id);
    }
    return resumed;
  }

  /** Runs follow-ups and ticks until the convoy has nothing more to do right now. */
  async settle(): Promise<void> {
    for (;;) {
      while (this.queue.length) {
        const next = this.queue.shift()!;
        if ('convoy' in next) await this.feedConvoy(next.convoy);
        else await this.feed(next.beadId, next.event);
      }
      const tick = convoyTick(lifeConvoyOf(await this.convoy()), await this.beads());
      let moved = false;
      // One start at a time: a local driver runs the first ready bead to its end before the next is chosen.
      for (const { beadId, event } of tick.events) {
        if (await this.feed(beadId, event)) moved = true;
        if (this.queue.length) break;
      }
      for (const e of tick.effects) {
        this.queue.push(...(await this.perform(e, null)));
        moved = true;
      }
      if (!moved && !this.queue.length) return;
    }
  }

  private async perform(e: Effect, bead: Bead | null): Promise<FollowUp[]> {
    const { jobs, delivery, notifier } = this.o.effects;
    const need = async (id: string) => bead ?? (await this.o.store.get(id));
    switch (e.type) {
      case 'runJob':
        return jobs.start(e, await need(e.beadId));
      case 'openPr': {
        const pr = await delivery.openBeadPr(await need(e.beadId), e.branch);
        return pr ? [{ beadId: e.beadId, event: { type: 'prOpened', pr: pr.pr } }] : [];
      }
      case 'merge': {
        const done = await delivery.mergeBead(await need(e.beadId), e.branch, e.pr);
        return done === 'merged' ? [{ beadId: e.beadId, event: { type: 'merged', pr: e.pr } }] : [];
      }
      case 'escalate':
        await notifier.escalate(await this.convoy(), await need(e.beadId), e.attempts, e.why);
        return [];
      case 'comment':
        await notifier.comment(await this.convoy(), e.text);
        return [];
      case 'deliverConvoy': {
        const out = await delivery.deliverConvoy(await this.convoy(), await this.beads());
        return [{ convoy: { type: 'delivered', pr: out.pr } }];
      }
      case 'closeEpic':
        await delivery.closeEpic(await this.convoy());
        return [];
    }
  }
}
