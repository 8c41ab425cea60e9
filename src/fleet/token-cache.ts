// Token counts of bead texts kept between runs in the town's .git folder (never committed), keyed by a hash of the
// text: an unchanged bead is not counted again, and a run whose beads are all known never loads the tokenizer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { countTokens, tokenizerId } from './tokenizer.js';

export const TOKEN_CACHE_NAME = 'gth-token-counts.json';
const VERSION = 2;

export interface CachingCounter {
  /** Tokens of the text whose textKey is `key` (the scan index keeps it): from the cache, or made and counted (and remembered) on a miss. */
  countKeyed: (key: string, text: () => string) => number;
  /** Writes the counts this run used (older ones are dropped, so the file tracks the queue); best effort. */
  save: () => void;
  readonly hits: number;
  readonly misses: number;
}

/** A counter over the cache file in `dir` (null: no cache, every text counted). */
export function cachingCounter(dir: string | null, count: (text: string) => number = countTokens, tokenizer: string = tokenizerId()): CachingCounter {
  const file = dir ? join(dir, TOKEN_CACHE_NAME) : null;
  const known = file ? readCounts(file, tokenizer) : new Map<string, number>();
  const used = new Map<string, number>();
  let hits = 0;
  let misses = 0;
  const countKeyed = (key: string, text: () => string): number => {
    let n = used.get(key) ?? known.get(key);
    if (n === undefined) {
      n = count(text());
      misses++;
    } else hits++;
    used.set(key, n);
    return n;
  };
  return {
    countKeyed,
    save: () => {
      if (!file || (misses === 0 && used.size === known.size)) return;
      try {
        // Two parallel arrays rather than one object of 10,000 keys: JSON.parse builds arrays several times faster.
        writeFileAtomicSync(file, JSON.stringify({ version: VERSION, tokenizer, keys: [...used.keys()], counts: [...used.values()] }));
      } catch {
        /* read-only folder, full disk: the next run counts again */
      }
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
  };
}

/** The cached counts, or none when the file is missing, unreadable, of another version or another tokenizer. */
function readCounts(file: string, tokenizer: string): Map<string, number> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; tokenizer?: unknown; keys?: unknown; counts?: unknown };
    const { keys, counts } = parsed;
    if (parsed.version !== VERSION || parsed.tokenizer !== tokenizer || !Array.isArray(keys) || !Array.isArray(counts) || keys.length !== counts.length) return new Map();
    const out = new Map<string, number>();
    keys.forEach((k: unknown, i) => {
      const v: unknown = counts[i];
      if (typeof k === 'string' && Number.isInteger(v) && (v as number) >= 0) out.set(k, v as number);
    });
    return out;
  } catch {
    return new Map();
  }
}
