// Which planted defects a review found, and which of its comments were false alarms (the rule is documented here).
import type { RefineryReview } from '../agents/contracts.js';
import type { PlantedDefect } from './task-schema.js';

/** How far (in lines) a comment may sit from the planted line and still point at it. */
export const LINE_TOLERANCE = 2;

export interface ReviewMatch {
  found: PlantedDefect[];
  missed: PlantedDefect[];
  falseAlarms: RefineryReview['comments'];
}

const norm = (p: string): string => p.replace(/^\.\//, '').replace(/^[ab]\//, '');

function names(text: string, d: PlantedDefect): boolean {
  const t = text.toLowerCase();
  return d.keywords.some((k) => t.includes(k.toLowerCase()));
}

/**
 * The rule. A planted defect counts as found when
 *  (a) a review comment is on the same file within ±LINE_TOLERANCE lines of the planted line, or
 *  (b) the verdict is request_changes and a comment on the same file (any line) or the summary names it
 *      by one of its keywords.
 * A comment is a false alarm when it neither lies within ±LINE_TOLERANCE lines of a planted defect in its
 * file nor names a planted defect of its file by keyword. Each comment counts at most once either way.
 */
export function matchReview(review: Pick<RefineryReview, 'verdict' | 'summary' | 'comments'>, defects: PlantedDefect[]): ReviewMatch {
  const near = (c: RefineryReview['comments'][number], d: PlantedDefect): boolean =>
    norm(c.path) === norm(d.file) && Math.abs(c.line - d.line) <= LINE_TOLERANCE;
  const named = (c: RefineryReview['comments'][number], d: PlantedDefect): boolean => norm(c.path) === norm(d.file) && names(c.body, d);
  const blocking = review.verdict === 'request_changes';
  const found = defects.filter((d) => review.comments.some((c) => near(c, d)) || (blocking && (review.comments.some((c) => named(c, d)) || names(review.summary, d))));
  const falseAlarms = review.comments.filter((c) => !defects.some((d) => near(c, d) || named(c, d)));
  return { found, missed: defects.filter((d) => !found.includes(d)), falseAlarms };
}
