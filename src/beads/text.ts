// A bead's text as an agent sees it, and the key its token count is cached under (the scan index keeps the key).
import { hash } from 'node:crypto';
import type { Bead } from './schema.js';

export type BeadTextFields = Pick<Bead, 'title' | 'description' | 'acceptance' | 'files'>;

/** The bead as the agent sees it: title, description, acceptance criteria and file list. */
export function beadText(b: BeadTextFields): string {
  return [b.title, b.description, ...b.acceptance.map((a) => `- ${a}`), ...b.files].join('\n');
}

/**
 * 96 bits of SHA-1 of the text, one-shot (a third of createHash's cost): the token-count cache's key. A collision
 * among a town's beads is not a concern; the index stores it so a re-plan needs no bead's text.
 */
export function textKey(text: string): string {
  return hash('sha1', text, 'base64url').slice(0, 16);
}

export const beadTextKey = (b: BeadTextFields): string => textKey(beadText(b));
