// Atomic file writes (temp file in the same folder, fsync, rename): readers see the old or the new file, never half of one.
import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync, mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `content` to `path` so that readers see either the old or the new file, never a torn one. */
export async function writeFileAtomic(path: string, content: string, opts: { syncDir?: boolean } = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (opts.syncDir !== false) syncDir(dir);
}

/** Makes earlier renames in `dir` durable; batch writers call it once after many writes. */
export function syncDir(dir: string): void {
  // Makes the rename itself durable; not every file system allows fsync on a folder.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

/** Synchronous form for small state files; `mode` lets secrets (API keys) be written 0600 from the start. */
export function writeFileAtomicSync(path: string, content: string | Uint8Array, opts: { mode?: number } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: opts.mode ?? 0o644 });
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
