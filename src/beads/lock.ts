// Cross-process lock on the bead folder (proper-lockfile: mkdir lock, refreshed mtime, stale-lock recovery).
import lockfile from 'proper-lockfile';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GthError } from '../util/errors.js';

export const LOCK_NAME = '.lock';

export interface LockOptions {
  /** A lock older than this (ms) whose holder stopped refreshing it is taken over. */
  staleMs?: number;
  /** How long to keep trying before giving up (ms). */
  waitMs?: number;
}

export async function withDirLock<T>(dir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  await mkdir(dir, { recursive: true });
  const staleMs = opts.staleMs ?? 10_000;
  const waitMs = opts.waitMs ?? 60_000;
  const deadline = Date.now() + waitMs;
  let release: (() => Promise<void>) | undefined;
  let lastErr: unknown;
  while (!release) {
    try {
      release = await lockfile.lock(dir, {
        lockfilePath: join(dir, LOCK_NAME),
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 2)),
        realpath: false,
        retries: 0,
      });
    } catch (err) {
      lastErr = err;
      if ((err as { code?: string }).code !== 'ELOCKED') throw new GthError(`cannot lock ${dir}`, { cause: err });
      if (Date.now() > deadline) {
        throw new GthError(`timed out after ${waitMs} ms waiting for the lock ${join(dir, LOCK_NAME)}`, { cause: lastErr });
      }
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 15));
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
