// Short hash-based bead ids with a repo prefix ("ab-7k2f"), lengthened until unique.
import { createHash, randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { UsageError } from '../util/errors.js';
import { BEAD_ID_FORM, isBeadId } from './model.js';

const PREFIX_RE = /^[a-z][a-z0-9]{0,7}$/;

/** A prefix from the town repo's name: initials of its words ("aero-beat" -> "ab"), else its first two letters. */
export function defaultPrefix(repoDir: string): string {
  const words = basename(repoDir).toLowerCase().split(/[^a-z0-9]+/).filter((w) => /^[a-z]/.test(w));
  if (words.length >= 2) return words.map((w) => w[0]).join('').slice(0, 4);
  const one = (words[0] ?? 'gt').replace(/[^a-z0-9]/g, '');
  return one.length >= 2 ? one.slice(0, 2) : 'gt';
}

export function assertPrefix(prefix: string): string {
  if (!PREFIX_RE.test(prefix)) {
    throw new UsageError(`bead id prefix "${prefix}" is invalid: expected 1-8 lowercase letters/digits starting with a letter`);
  }
  return prefix;
}

/**
 * Refuses an id that is not of the bead/convoy id form before it can become a file name
 * (`../../evil` would otherwise name a file outside beads/). `what` names the id in the message.
 */
export function assertBeadId(id: string, what = 'bead'): string {
  if (!isBeadId(id)) {
    throw new UsageError(`${what} id ${JSON.stringify(id)} is invalid: expected ${BEAD_ID_FORM}`);
  }
  return id;
}

/** Base36 of a sha256 over the seed and fresh randomness; starts at 4 characters and grows on collision. */
export function generateId(prefix: string, seed: string, exists: (id: string) => boolean, minLen = 4): string {
  assertPrefix(prefix);
  for (let attempt = 0; attempt < 64; attempt++) {
    const digest = createHash('sha256').update(seed).update(randomBytes(8)).digest();
    const hash = BigInt(`0x${digest.toString('hex')}`).toString(36);
    for (let len = minLen; len <= Math.min(12, hash.length); len++) {
      const id = `${prefix}-${hash.slice(0, len)}`;
      if (!exists(id)) return id;
    }
  }
  throw new Error(`could not find a free bead id for prefix ${prefix}`);
}
