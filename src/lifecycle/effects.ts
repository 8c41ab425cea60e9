// What a lifecycle driver implements: how jobs start, how work is delivered, how people are told.
//
// Each method performs one effect of the machine (./machine.ts) and returns the follow-up events it already
// knows (a local job's result, a local merge); a driver that learns results later (the GitHub app, from
// webhooks) returns none and feeds the events when they come.
import type { Bead, Convoy } from '../beads/schema.js';
import type { BeadEvent, ConvoyEvent, Effect, RunJobEffect } from './machine.js';

/** A follow-up event for a bead or for the convoy. */
export type FollowUp = { beadId: string; event: BeadEvent } | { convoy: ConvoyEvent };

/**
 * Where finished work goes. Local: branches of the rig's bare remote (the bead branch is merged into the convoy
 * branch; the convoy branch itself is the delivery). GitHub: a bead PR into the convoy branch, merged by a person
 * or by the app; when every bead is done, a PR `convoy/<id>` -> default branch, and the epic closes when it merges.
 */
export interface Delivery {
  /** The bead's branch is pushed: open (or update) its PR; null when this delivery has no PRs. */
  openBeadPr(bead: Bead, branch: string): Promise<{ pr: number } | null>;
  /**
   * Merge the bead's branch into the convoy branch. `merged` when done now (the driver feeds `merged`),
   * `pending` when a person or a later event merges it (GitHub: the pull_request closed event).
   */
  mergeBead(bead: Bead, branch: string, pr: number | null): Promise<'merged' | 'pending'>;
  /** Every bead is done: deliver the convoy. Local: nothing more to push; GitHub: the convoy PR. */
  deliverConvoy(convoy: Convoy, beads: Bead[]): Promise<{ pr: number | null }>;
  /** The convoy's delivery merged: close the epic (GitHub: the issue). */
  closeEpic(convoy: Convoy): Promise<void>;
}

/** Starts one job. In process (local, eval): runs the role and returns its result as events. Runner: dispatches a workflow, returns []. */
export interface JobStarter {
  start(effect: RunJobEffect, bead: Bead): Promise<FollowUp[]>;
}

/** Tells people: a log line locally, an issue comment on GitHub (short text, no paths). */
export interface Notifier {
  comment(convoy: Convoy, text: string): Promise<void>;
  /** A bead failed for good: name the bead, its attempts and why. */
  escalate(convoy: Convoy, bead: Bead, attempts: number, why: string): Promise<void>;
}

export interface LifecycleEffects {
  jobs: JobStarter;
  delivery: Delivery;
  notifier: Notifier;
}

/** Every effect kind the machine emits; a driver's exhaustive switch can use it. */
export type EffectType = Effect['type'];
