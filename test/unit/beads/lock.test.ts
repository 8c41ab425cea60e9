// The bead folder lock after a kill -9: a dead holder's lock is taken over at once, and a wait is announced.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdir, writeFile, stat, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { withDirLock, LOCK_NAME, OWNER_NAME } from '../../../src/beads/lock.js';
import { tempDir } from '../../support/git.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ path: dir, cleanup } = await tempDir('gth-lock-')));
afterEach(() => cleanup());

/** A lock folder as a holder leaves it when killed: fresh mtime, owner file naming its pid. */
async function abandonedLock(pid: number): Promise<void> {
  await mkdir(join(dir, LOCK_NAME));
  const ino = (await stat(join(dir, LOCK_NAME))).ino;
  await writeFile(join(dir, OWNER_NAME), JSON.stringify({ pid, host: hostname(), ino }));
}

describe('withDirLock', () => {
  it('takes over at once when the holder pid is gone, long before the lock would be stale, and says so', async () => {
    const dead = (await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])).stdout;
    await abandonedLock(Number(dead));
    const said: string[] = [];
    // Stale only after 10 minutes and a 20 s wait: without the takeover this times out.
    const got = await withDirLock(dir, async () => 'ran', { staleMs: 600_000, waitMs: 20_000, onWait: (m) => said.push(m) });
    expect(got).toBe('ran');
    expect(said).toEqual([`took over the lock ${join(dir, LOCK_NAME)}: its holder (pid ${dead}) is no longer running`]);
    expect((await readdir(dir)).sort()).toEqual([]);
  });

  it('says it is waiting when a live holder keeps the lock, naming the pid, and times out naming it too', async () => {
    await abandonedLock(process.ppid); // alive: the process that started the test worker
    const said: string[] = [];
    await expect(withDirLock(dir, async () => 'ran', { staleMs: 600_000, waitMs: 300, announceAfterMs: 0, onWait: (m) => said.push(m) })).rejects.toThrow(
      `held by pid ${process.ppid}`,
    );
    expect(said).toEqual([`waiting for the lock ${join(dir, LOCK_NAME)}, held by pid ${process.ppid} on ${hostname()}`]);
  });

  it('leaves no owner file behind after a normal release', async () => {
    await withDirLock(dir, async () => {
      expect((await readdir(dir)).sort()).toEqual([LOCK_NAME, OWNER_NAME]);
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
