// Runs slow work (Mayor planning, reviews) after the webhook is answered: one task at a time per lane, errors logged not thrown.
import type { Logger } from 'pino';

export class WorkQueue {
  /** Separate lanes so a long Mayor planning run does not hold up a PR review. */
  private readonly tails = new Map<string, Promise<void>>();
  private pending = 0;

  constructor(private readonly log: Pick<Logger, 'error'>) {}

  /** Queues a task; it starts on a later tick, so the caller (a webhook handler) can return first. */
  push(name: string, task: () => Promise<void>, lane = 'default'): void {
    this.pending++;
    const tail = (this.tails.get(lane) ?? Promise.resolve())
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(task)
      .catch((err: unknown) => this.log.error({ err, task: name }, `background task failed: ${name}`))
      .finally(() => {
        this.pending--;
      });
    this.tails.set(lane, tail);
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves when every queued task in every lane (including ones queued meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.pending > 0) {
      await Promise.all([...this.tails.values()]);
    }
  }
}
