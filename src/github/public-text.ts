// What may appear in a public GitHub comment: a short error with a correlation id (details go to the log), and model text defused.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

const ZWSP = '\u200b';

/**
 * Model- or user-derived text for a comment: `@name` cannot mention anyone and a line cannot start a slash command
 * (`/refinery review`), because a zero-width space breaks both; the text reads the same.
 */
export function neutralize(text: string): string {
  return text.replace(/@/g, `@${ZWSP}`).replace(/^(\s*)\//gm, `$1${ZWSP}/`);
}

/** One line of an error for the public: first line only, absolute paths and URLs replaced, tokens never echoed, capped. */
export function shortError(message: string, max = 160): string {
  const first = message.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
  const cleaned = first
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>')
    .replace(/(^|[\s'"(=:])(?:~|[A-Za-z]:)?[\\/][^\s'"),]*/g, '$1<path>')
    .replace(/\b(?:gh[opsu]_|github_pat_)[A-Za-z0-9_]+/g, '<token>');
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

export interface PublicFailure {
  /** Correlation id: the same id is in the log line with the full error (stack, stderr, paths). */
  id: string;
  /** "short error (ref: id)", safe for a public comment. */
  text: string;
}

/** Logs the whole error under a fresh correlation id and returns the short public form. */
export function publicFailure(log: Pick<Logger, 'warn'>, err: unknown, what: string, context: Record<string, unknown> = {}): PublicFailure {
  const id = randomBytes(4).toString('hex');
  log.warn({ err, ref: id, ...context }, `${what} (ref ${id})`);
  const message = err instanceof Error ? err.message : String(err);
  return { id, text: `${shortError(message)} (ref: \`${id}\`; details are in the app's log)` };
}
