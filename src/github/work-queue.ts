// Runs slow work (Mayor planning, reviews) after the webhook is answered, one task at a time, with errors logged not thrown.
import type { Logger } from 'pino';

export class WorkQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly log: Pick<Logger, 'error'>) {}

  /** Queues a task; it starts on a later tick, so the caller (a webhook handler) can return first. */
  push(name: string, task: () => Promise<void>): void {
    this.pending++;
    this.tail = this.tail
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(task)
      .catch((err: unknown) => this.log.error({ err, task: name }, `background task failed: ${name}`))
      .finally(() => {
        this.pending--;
      });
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves when every queued task (including ones queued meanwhile) has finished. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.tail) {
      seen = this.tail;
      await seen;
    }
  }
}
