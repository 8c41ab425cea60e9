// A cache of parsed bead files (in the town's .git folder, so it is never committed) keyed by file name, inode,
// mtime and size: any file that differs in one of them is read and validated again, never trusted over the files.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Bead } from './schema.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';

export const INDEX_NAME = 'gth-bead-index.json';
const VERSION = 1;

/** What a file looked like when its bead was cached. */
export interface FileStamp {
  ino: number;
  mtimeMs: number;
  size: number;
}

export type IndexEntry = FileStamp & { bead: Bead };

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size;
}

/** Where the index of the beads folder `beadsDir` lives: the town's `.git` folder, or nowhere (no cache) without one. */
export function indexDirFor(beadsDir: string): string | null {
  const gitDir = join(dirname(beadsDir), '.git');
  try {
    return statSync(gitDir).isDirectory() ? gitDir : null;
  } catch {
    return null;
  }
}

/** The cached entries, or none when the index is missing, unreadable or of another version. */
export function readIndex(dir: string): Map<string, IndexEntry> {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, INDEX_NAME), 'utf8')) as { version?: number; entries?: Record<string, IndexEntry> };
    if (parsed.version !== VERSION || !parsed.entries) return new Map();
    return new Map(Object.entries(parsed.entries));
  } catch {
    return new Map();
  }
}

/** Best effort: a read command must not fail because the cache could not be written. */
export function writeIndex(dir: string, entries: ReadonlyMap<string, IndexEntry>): void {
  try {
    writeFileAtomicSync(join(dir, INDEX_NAME), JSON.stringify({ version: VERSION, entries: Object.fromEntries(entries) }));
  } catch {
    /* read-only folder, full disk: the next scan reads the files again */
  }
}
