// Reduces GDScript to its code lines (comments, no-op string statements and blank lines removed) for comparison.
import { segmentGdscript, type Segment } from '../gdscript/segments.js';

export interface CodeLine {
  /** 1-based line in the original file. */
  line: number;
  text: string;
}

/** A string literal standing alone as a statement is a no-op in GDScript, often used as a block comment. */
function isStandaloneString(src: string, seg: Segment): boolean {
  if (seg.kind !== 'string' || seg.depth !== 0) return false;
  let b = seg.start - 1;
  while (b >= 0 && (src[b] === ' ' || src[b] === '\t')) b--;
  if (b >= 0 && src[b] !== '\n') return false;
  // The previous line must not continue onto this one with a backslash.
  let p = b - 1;
  while (p >= 0 && (src[p] === ' ' || src[p] === '\t' || src[p] === '\r')) p--;
  if (p >= 0 && src[p] === '\\') return false;
  let a = seg.start + seg.text.length;
  while (a < src.length && (src[a] === ' ' || src[a] === '\t' || src[a] === '\r')) a++;
  return a >= src.length || src[a] === '\n' || src[a] === '#';
}

/** Code lines with trailing whitespace trimmed, in order, each with its original line number. */
export function codeLines(src: string): CodeLine[] {
  let rebuilt = '';
  for (const seg of segmentGdscript(src)) {
    if (seg.kind === 'comment') continue;
    if (isStandaloneString(src, seg)) rebuilt += seg.text.replace(/[^\n]/g, '');
    else rebuilt += seg.text;
  }
  const out: CodeLine[] = [];
  rebuilt.split('\n').forEach((text, i) => {
    const t = text.trimEnd();
    if (t.trim() !== '') out.push({ line: i + 1, text: t });
  });
  return out;
}
