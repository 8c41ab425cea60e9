// Cross-process lock on the bead folder (proper-lockfile: mkdir lock, refreshed mtime, stale-lock recovery),
// plus an owner file so a lock whose holder was killed (-9) is taken over at once instead of after `staleMs`.
import lockfile from 'proper-lockfile';
import { mkdir } from 'node:fs/promises';
import { readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { GthError } from '../util/errors.js';

export const LOCK_NAME = '.lock';
/** Beside the lock folder: who holds it (pid, host) and which lock folder (inode) that was. */
export const OWNER_NAME = '.lock.owner';

export interface LockOptions {
  /** A lock older than this (ms) whose holder stopped refreshing it is taken over. */
  staleMs?: number;
  /** How long to keep trying before giving up (ms). */
  waitMs?: number;
  /** Told once when the wait gets long or a dead holder's lock is taken over (default: a line on stderr). */
  onWait?: (message: string) => void;
  /** Waits shorter than this (ms) stay quiet: ordinary contention between two commands. */
  announceAfterMs?: number;
}

interface Owner {
  pid: number;
  host: string;
  ino: number;
}

export async function withDirLock<T>(dir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  await mkdir(dir, { recursive: true });
  const staleMs = opts.staleMs ?? 10_000;
  const waitMs = opts.waitMs ?? 60_000;
  const onWait = opts.onWait ?? ((m: string) => process.stderr.write(`gth: ${m}\n`));
  const announceAfter = opts.announceAfterMs ?? 1000;
  const lockPath = join(dir, LOCK_NAME);
  const started = Date.now();
  const deadline = started + waitMs;
  let announced = false;
  let release: (() => Promise<void>) | undefined;
  let lastErr: unknown;
  while (!release) {
    try {
      release = await lockfile.lock(dir, {
        lockfilePath: lockPath,
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 2)),
        realpath: false,
        retries: 0,
      });
    } catch (err) {
      lastErr = err;
      if ((err as { code?: string }).code !== 'ELOCKED') throw new GthError(`cannot lock ${dir}`, { cause: err });
      const owner = readOwner(dir);
      if (owner && isDeadHolder(owner, lockPath)) {
        if (takeOver(dir, lockPath, owner)) {
          onWait(`took over the lock ${lockPath}: its holder (pid ${owner.pid}) is no longer running`);
          announced = true;
          continue;
        }
      } else if (!announced && Date.now() - started >= announceAfter) {
        announced = true;
        onWait(waitingMessage(lockPath, owner, staleMs));
      }
      if (Date.now() > deadline) {
        throw new GthError(`timed out after ${waitMs} ms waiting for the lock ${lockPath}${owner ? ` (held by pid ${owner.pid} on ${owner.host})` : ''}`, { cause: lastErr });
      }
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 15));
    }
  }
  writeOwner(dir, lockPath);
  try {
    return await fn();
  } finally {
    // The owner file goes first: a lock folder without one is judged by its age alone, never by a stale pid.
    if (readOwner(dir)?.pid === process.pid) rmSync(join(dir, OWNER_NAME), { force: true });
    await release().catch(() => undefined);
  }
}

function waitingMessage(lockPath: string, owner: Owner | null, staleMs: number): string {
  const age = lockAgeMs(lockPath);
  const stale = age !== null && age > Math.max(1000, staleMs / 2) * 1.5;
  const who = owner ? `pid ${owner.pid} on ${owner.host}` : 'another process';
  return stale
    ? `waiting for a stale lock ${lockPath} (held by ${who}, not refreshed for ${Math.round(age / 1000)} s; taken over once it is ${Math.round(staleMs / 1000)} s old)`
    : `waiting for the lock ${lockPath}, held by ${who}`;
}

function lockAgeMs(lockPath: string): number | null {
  try {
    return Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return null;
  }
}

function writeOwner(dir: string, lockPath: string): void {
  try {
    const owner: Owner = { pid: process.pid, host: hostname(), ino: statSync(lockPath).ino };
    writeFileAtomicSync(join(dir, OWNER_NAME), `${JSON.stringify(owner)}\n`);
  } catch {
    // Without an owner file the lock is still safe; a dead holder is just recognised by age, later.
  }
}

function readOwner(dir: string, file = join(dir, OWNER_NAME)): Owner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.ino === 'number' ? (o as Owner) : null;
  } catch {
    return null;
  }
}

/** The owner names this very lock folder, on this machine, and its process is gone. */
function isDeadHolder(owner: Owner, lockPath: string): boolean {
  if (owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    if (statSync(lockPath).ino !== owner.ino) return false;
  } catch {
    return false;
  }
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes a dead holder's lock. Renaming the owner file first lets exactly one waiter win; the winner
 * checks it renamed the same dead owner before removing the lock folder.
 */
function takeOver(dir: string, lockPath: string, owner: Owner): boolean {
  const claimed = join(dir, `${OWNER_NAME}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    renameSync(join(dir, OWNER_NAME), claimed);
  } catch {
    return false;
  }
  const got = readOwner(dir, claimed);
  try {
    if (!got || got.pid !== owner.pid || got.ino !== owner.ino || !isDeadHolder(got, lockPath)) {
      // Someone else's live owner file: put it back.
      renameSync(claimed, join(dir, OWNER_NAME));
      return false;
    }
    rmSync(lockPath, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(claimed, { force: true });
  }
}
