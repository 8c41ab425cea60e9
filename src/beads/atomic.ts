// Atomic file writes: temp file in the same folder, fsync, rename, fsync the folder.
import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { openSync, fsyncSync, closeSync } from 'node:fs';
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
