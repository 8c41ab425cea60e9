// Pure: the Refinery's review -> a GitHub PR review whose line comments all sit on lines the diff shows (GitHub rejects others).
import { z } from 'zod';

export const ReviewComment = z.strictObject({ path: z.string().min(1), line: z.int().positive(), body: z.string().min(1) });
export const ReviewResult = z.strictObject({
  verdict: z.enum(['approve', 'request_changes', 'comment']),
  summary: z.string().min(1),
  comments: z.array(ReviewComment),
});
export type ReviewComment = z.infer<typeof ReviewComment>;
export type ReviewResult = z.infer<typeof ReviewResult>;

export interface EngineReview {
  verdict: 'approve' | 'request_changes';
  summary: string;
  comments: { path: string; line: number; body: string }[];
  coverage?: { ok: boolean; detail: string };
}

/** For each file, the new-side line numbers inside the diff's hunks (the lines a RIGHT-side comment may name). */
export function commentableLines(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let file: string | null = null;
  let line = 0;
  let inHunk = false;
  for (const text of diff.split('\n')) {
    if (text.startsWith('diff --git ')) {
      file = null;
      inHunk = false;
      continue;
    }
    if (!inHunk && text.startsWith('+++ ')) {
      const path = text.slice(4).trim();
      file = path === '/dev/null' ? null : path.replace(/^b\//, '');
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk || !file) continue;
    if (text.startsWith('+') || text.startsWith(' ')) {
      if (!out.has(file)) out.set(file, new Set());
      out.get(file)!.add(line);
      line++;
    }
    // '-' lines exist only on the old side; '\ No newline' lines count on neither.
  }
  return out;
}

/**
 * Keeps the comments GitHub can anchor; the others (a line outside the diff, a file the PR does not touch)
 * move into the review body so nothing the Refinery said is lost.
 */
export function toPullRequestReview(review: EngineReview, diff: string): ReviewResult {
  const lines = commentableLines(diff);
  const anchored: ReviewResult['comments'] = [];
  const loose: string[] = [];
  for (const c of review.comments) {
    if (lines.get(c.path)?.has(c.line)) anchored.push({ path: c.path, line: c.line, body: c.body });
    else loose.push(`- \`${c.path}:${c.line}\`: ${c.body}`);
  }
  const body = [
    `**Refinery: ${review.verdict === 'approve' ? 'approved' : 'changes requested'}.** ${review.summary}`,
    review.coverage ? `\nCoverage: ${review.coverage.ok ? 'ok' : 'not met'}: ${review.coverage.detail}` : '',
    loose.length ? `\nComments on lines outside this diff:\n${loose.join('\n')}` : '',
  ].join('');
  return { verdict: review.verdict, summary: body, comments: anchored };
}
