// Renders the single progress comment kept on an epic issue: a hidden marker plus a checklist of the convoy's beads.
import type { ConvoyProgress } from './progress-schema.js';
import { neutralize } from './public-text.js';

/** Hidden marker that lets the app find its own comment again and edit it in place. */
export const PROGRESS_MARKER = '<!-- gth:epic-progress -->';

const DONE = new Set(['done', 'cancelled']);

/** Bead titles come from a model: one line, no HTML that could break the list, no @mention or slash command. */
function oneLine(text: string): string {
  return neutralize(text.replace(/\s+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).trim());
}

export function renderProgressComment(p: ConvoyProgress): string {
  const done = p.beads.filter((b) => DONE.has(b.status)).length;
  const lines = p.beads.map(
    (b) => `- [${DONE.has(b.status) ? 'x' : ' '}] \`${b.id}\` ${oneLine(b.title)} (${b.status}${b.role ? `, ${b.role}` : ''})`,
  );
  return [
    PROGRESS_MARKER,
    `### Convoy \`${p.convoyId}\``,
    `Branch: \`${p.branch}\``,
    '',
    ...(lines.length > 0 ? lines : ['_No beads planned._']),
    '',
    `${done} of ${p.beads.length} beads done.`,
  ].join('\n');
}

export interface CommentLike {
  id: number;
  body?: string | null | undefined;
  user?: { login?: string | undefined; type?: string | undefined } | null | undefined;
}

/**
 * Our comment is one written by this app's own bot account (`<slug>[bot]`) that starts with the marker: neither a user
 * quoting the marker nor another app's bot (whose comment we could not edit: 403) counts.
 */
export function findProgressComment<C extends CommentLike>(comments: C[], botLogin: string): C | undefined {
  return comments.find((c) => c.user?.login === botLogin && (c.body ?? '').startsWith(PROGRESS_MARKER));
}

/** `error` is already public-safe (see publicFailure): a short line with a correlation id, never paths or stderr. */
export function renderPlanFailure(error: string): string {
  return [
    '<!-- gth:epic-failed -->',
    '**The Mayor could not plan this epic.**',
    '',
    neutralize(error),
    '',
    'Nothing was committed. The `epic` label is left on this issue: remove and add it again to retry (a restart of the app does not retry it).',
  ].join('\n');
}
