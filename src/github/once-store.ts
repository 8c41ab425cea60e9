// A small on-disk "do this once" store (one empty file per key, created exclusively) for webhook delivery ids and dispatches.
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export class OnceStore {
  constructor(readonly dir: string) {}

  /** Readable and collision-free file name for any key (delivery ids are GUIDs, bead keys contain slashes). */
  private file(key: string): string {
    const safe = key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
    return join(this.dir, `${safe}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`);
  }

  /**
   * Returns true exactly once per key, across processes and restarts: the `wx` open fails with EEXIST
   * for every later caller, so two deliveries racing each other cannot both win.
   */
  async claim(key: string): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    try {
      const fh = await open(this.file(key), 'wx');
      await fh.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new Error(`cannot record "${key}" in ${this.dir}`, { cause: err });
    }
  }

  /** True when the key was claimed and not released (or pruned). */
  async has(key: string): Promise<boolean> {
    return stat(this.file(key)).then(
      () => true,
      () => false,
    );
  }

  /** Forgets a key so the action can happen again (used when the action failed and should be retryable). */
  async release(key: string): Promise<void> {
    await unlink(this.file(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Removes entries older than maxAgeMs so the directory does not grow forever. */
  async prune(maxAgeMs: number, now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.dir, name);
      const s = await stat(path).catch(() => null);
      if (s && now - s.mtimeMs > maxAgeMs) {
        await unlink(path).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }
}
