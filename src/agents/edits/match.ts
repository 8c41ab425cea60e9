// Finds where SEARCH lines occur in a file (exact up to trailing whitespace) and the closest lines when they do not.

export function sameLine(a: string, b: string): boolean {
  return a.trimEnd() === b.trimEnd();
}

/** 0-based start indexes of every exact match of `search` in `lines`. */
export function findMatches(lines: string[], search: string[]): number[] {
  const out: number[] = [];
  if (search.length === 0 || search.length > lines.length) return out;
  for (let i = 0; i + search.length <= lines.length; i++) {
    let ok = true;
    for (let j = 0; j < search.length && ok; j++) ok = sameLine(lines[i + j]!, search[j]!);
    if (ok) out.push(i);
  }
  return out;
}

/** Similarity of two lines in [0, 1] from shared character bigrams (indentation ignored). */
function lineSimilarity(a: string, b: string): number {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < x.length - 1; i++) {
    const g = x.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < y.length - 1; i++) {
    const g = y.slice(i, i + 2);
    const n = grams.get(g) ?? 0;
    if (n > 0) {
      shared++;
      grams.set(g, n - 1);
    }
  }
  return (2 * shared) / (x.length - 1 + (y.length - 1));
}

export interface ClosestWindow {
  /** 0-based start line of the window in the file. */
  start: number;
  length: number;
  score: number;
  /** True when the window equals the SEARCH lines except for indentation. */
  indentationOnly: boolean;
}

/** The window of the file (same length as the SEARCH) most like the SEARCH lines; null for an empty file. */
export function closestWindow(lines: string[], search: string[]): ClosestWindow | null {
  if (lines.length === 0 || search.length === 0) return null;
  const len = Math.min(search.length, lines.length);
  let best: ClosestWindow | null = null;
  for (let i = 0; i + len <= lines.length; i++) {
    let score = 0;
    for (let j = 0; j < len; j++) score += lineSimilarity(lines[i + j]!, search[j]!);
    score /= search.length;
    if (best === null || score > best.score) best = { start: i, length: len, score, indentationOnly: false };
  }
  if (best && best.length === search.length) {
    best.indentationOnly = search.every((s, j) => s.trim() === lines[best!.start + j]!.trim());
  }
  return best;
}
