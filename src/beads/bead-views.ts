// Answers of read commands (the printed `bead list` / `bead ready`) kept per bead-index generation, in the town's
// .git folder beside the index. A generation names one set of bead files with their stamps (scan.ts), so an answer
// made from it stays true until a file changes, and then the scan gives another generation or none.
import { closeSync, openSync, readdirSync, readSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { textKey } from './text.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';

export const VIEWS_DIR = 'gth-bead-views';
/** Views of other generations are removed once the folder holds more files than this. */
const KEEP = 32;

const fileFor = (indexDir: string, key: string): string => join(indexDir, VIEWS_DIR, textKey(key));

/** The answer saved for `key` under `generation`, or null (none, another generation, unreadable). */
export function readView(indexDir: string | null, generation: string | null, key: string): Buffer | null {
  if (!indexDir || !generation) return null;
  try {
    const buf = readFileSync(fileFor(indexDir, key));
    const eol = buf.indexOf(10);
    // The first line is the generation, then the key (a hash collision between keys must not serve another view).
    const want = Buffer.from(`${generation} ${JSON.stringify(key)}`);
    return eol === want.length && buf.subarray(0, eol).equals(want) ? buf.subarray(eol + 1) : null;
  } catch {
    return null;
  }
}

/** Saves the answer for `key` under `generation`; best effort (a read command must not fail on its cache). */
export function saveView(indexDir: string | null, generation: string | null, key: string, answer: string | Uint8Array): void {
  if (!indexDir || !generation) return;
  try {
    writeFileAtomicSync(fileFor(indexDir, key), Buffer.concat([Buffer.from(`${generation} ${JSON.stringify(key)}\n`), typeof answer === 'string' ? Buffer.from(answer) : answer]));
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
