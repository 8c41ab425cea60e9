// Answers of read commands (the printed `bead list` / `bead ready`) kept per bead-index generation, in the town's
// .git folder beside the index. A generation names one set of bead files with their stamps (scan.ts), so an answer
// made from it stays true until a file changes, and then the scan gives another generation or none.
import { closeSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { textKey } from './text.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';

export const VIEWS_DIR = 'gth-bead-views';
/** Views of other generations are removed once the folder holds more files than this. */
const KEEP = 32;

const fileFor = (indexDir: string, key: string): string => join(indexDir, VIEWS_DIR, textKey(key));

// The first line is the generation, then the key (a hash collision between keys must not serve another view).
const headFor = (generation: string, key: string): Buffer => Buffer.from(`${generation} ${JSON.stringify(key)}\n`);

const CHUNK = 1 << 20;

/**
 * Writes the answer saved for `key` under `generation` to `fd` (stdout) through one reused buffer, without holding it
 * whole: a `--json` list of 10,000 beads is 11 MB, and reading it into fresh memory cost more than the rest of the
 * run. With `accept`, the answer's first line is the caller's own record (a plan's input fingerprints): it is not
 * written, and the answer is served only if `accept` takes it. False when nothing was written; an error once
 * writing began (EPIPE: the reader left) is thrown.
 */
export function writeView(indexDir: string | null, generation: string | null, key: string, fd = 1, accept?: (line: string) => boolean): boolean {
  if (!indexDir || !generation) return false;
  const want = headFor(generation, key);
  const buf = Buffer.allocUnsafe(Math.max(CHUNK, want.length));
  let file: number;
  let n: number;
  try {
    file = openSync(fileFor(indexDir, key), 'r');
  } catch {
    return false;
  }
  try {
    try {
      n = readSync(file, buf, 0, buf.length, 0);
    } catch {
      return false;
    }
    if (n < want.length || !buf.subarray(0, want.length).equals(want)) return false;
    let from = want.length;
    if (accept) {
      // The record must fit the first read (a plan's is a few KiB); one that does not is not served.
      const eol = buf.indexOf(10, from);
      if (eol < 0 || eol >= n || !accept(buf.toString('utf8', from, eol))) return false;
      from = eol + 1;
    }
    let pos = n;
    while (n > 0) {
      writeAll(fd, buf, from, n - from);
      from = 0;
      n = readSync(file, buf, 0, buf.length, pos);
      pos += n;
    }
    return true;
  } finally {
    closeSync(file);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Writes all of buf[from, from + len) to fd; a non-blocking pipe that is full (EAGAIN) is waited for. */
function writeAll(fd: number, buf: Buffer, from: number, len: number): void {
  let at = from;
  const end = from + len;
  while (at < end) {
    try {
      at += writeSync(fd, buf, at, end - at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

/** Saves the answer for `key` under `generation`; best effort (a read command must not fail on its cache). */
export function saveView(indexDir: string | null, generation: string | null, key: string, answer: string | Uint8Array): void {
  if (!indexDir || !generation) return;
  try {
    writeFileAtomicSync(fileFor(indexDir, key), Buffer.concat([headFor(generation, key), typeof answer === 'string' ? Buffer.from(answer) : answer]));
    prune(join(indexDir, VIEWS_DIR), generation);
  } catch {
    /* read-only folder, full disk: the answer is made again next time */
  }
}

/** Drops views of other generations when there are many (one per filter combination a user ever ran). */
function prune(dir: string, generation: string): void {
  const names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  if (names.length <= KEEP) return;
  const head = Buffer.alloc(generation.length);
  for (const name of names) {
    const file = join(dir, name);
    const fd = openSync(file, 'r');
    let n: number;
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    if (n !== head.length || head.toString() !== generation) rmSync(file, { force: true });
  }
}
