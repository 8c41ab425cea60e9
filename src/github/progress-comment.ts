// Renders the single progress comment kept on an epic issue: a hidden marker plus a checklist of the convoy's beads.
import type { ConvoyProgress } from './ports.js';

/** Hidden marker that lets the app find its own comment again and edit it in place. */
export const PROGRESS_MARKER = '<!-- gth:epic-progress -->';

const DONE = new Set(['done', 'cancelled']);

/** Bead titles come from a model: keep each on one line and neutralise HTML/markdown that could break the list. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).trim();
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
  user?: { type?: string | undefined } | null | undefined;
}

/** Our comment is one written by a bot account that starts with the marker; a user quoting the marker does not count. */
export function findProgressComment<C extends CommentLike>(comments: C[]): C | undefined {
  return comments.find((c) => c.user?.type === 'Bot' && (c.body ?? '').startsWith(PROGRESS_MARKER));
}

export function renderPlanFailure(error: string): string {
  return [
    '<!-- gth:epic-failed -->',
    '**The Mayor could not plan this epic.**',
    '',
    '```text',
    error.replace(/```/g, "'''"),
    '```',
    '',
    'Nothing was committed. The `epic` label is left on this issue: remove and add it again to retry.',
  ].join('\n');
}
