// Runs machine transitions against the BeadStore: under the store's lock, written atomically with a history note.
import type { Bead, Convoy } from '../beads/schema.js';
import type { BeadStore } from '../beads/store.js';
import { beadTransition, convoyTransition, lifeBeadOf, lifeConvoyOf, type BeadEvent, type ConvoyEvent, type Effect, type LifecyclePolicy, type Refusal } from './machine.js';

export type Applied<T> = { ok: true; value: T; effects: Effect[]; note: string } | { ok: false; refusal: Refusal };

/** Thrown inside the store's update callback so a refused event writes nothing; never escapes this module. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

export function formatRefusal(r: Refusal): string {
  return `${r.subject}: event ${r.event} refused in state ${r.state}: ${r.reason}`;
}

export interface ApplyOptions {
  policy: LifecyclePolicy;
  stopped: boolean;
  /** See MachineContext.jobsClaim (runner workflows claim their beads). */
  jobsClaim?: boolean;
  now?: Date;
  /** Who the history entry names (default: the store's actor). */
  by?: string;
}

/** One bead event: the bead is re-read under the lock, so two drivers never both move it. */
export async function applyBeadEvent(store: BeadStore, beadId: string, event: BeadEvent, o: ApplyOptions): Promise<Applied<Bead>> {
  let effects: Effect[] = [];
  let note = '';
  try {
    const bead = await store.update(
      beadId,
      (draft) => {
        const t = beadTransition(lifeBeadOf(draft), event, { policy: o.policy, now: o.now ?? new Date(), stopped: o.stopped, jobsClaim: o.jobsClaim });
        if (!t.ok) throw new Refused(t.refusal);
        const { life, modelAttempts: _n, id: _id, role: _role, ...fields } = t.state;
        Object.assign(draft, fields);
        draft.lifecycle = life;
        // Someone holds a bead being worked on; a pending or failed bead is held by nobody (done keeps who finished it).
        if (fields.status === 'in_progress' || fields.status === 'review') draft.assignee ??= { agent: `${life.job ?? 'engine'}-${beadId}`, model: null };
        else if (fields.status !== 'done') draft.assignee = null;
        if (event.type === 'codePushed' && event.model && draft.assignee) draft.assignee.model = event.model;
        effects = t.effects;
        note = t.note;
        return { to: fields.status, note: t.note.slice(0, 800) };
      },
      o.by ? { by: o.by } : {},
    );
    return { ok: true, value: bead, effects, note };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, refusal: err.refusal };
    throw err;
  }
}

export async function applyConvoyEvent(store: BeadStore, convoyId: string, event: ConvoyEvent): Promise<Applied<Convoy>> {
  let effects: Effect[] = [];
  let note = '';
  try {
    const convoy = await store.updateConvoy(convoyId, (draft) => {
      const t = convoyTransition(lifeConvoyOf(draft), event);
      if (!t.ok) throw new Refused(t.refusal);
      draft.lifecycle = t.state.life;
      effects = t.effects;
      note = t.note;
      return { message: `convoy ${convoyId}: ${t.note}` };
    });
    return { ok: true, value: convoy, effects, note };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, refusal: err.refusal };
    throw err;
  }
}
