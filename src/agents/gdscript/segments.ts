// Splits GDScript source into code, string and comment segments so checks can ignore strings and comments.

export type SegmentKind = 'code' | 'string' | 'comment';

export interface Segment {
  kind: SegmentKind;
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Paren/bracket/brace depth where the segment starts (strings inside calls are not statements). */
  depth: number;
}

const STRING_PREFIX = /[rR&^]/;

/**
 * One pass over the source: `#` starts a comment only outside strings; strings may be
 * "..", '..', triple-quoted (multi-line), raw (r"..") or StringName/NodePath (&"..", ^"..").
 */
export function segmentGdscript(src: string): Segment[] {
  const out: Segment[] = [];
  let depth = 0;
  let codeStart = 0;
  let i = 0;
  let codeDepth = 0;
  const flushCode = (end: number): void => {
    if (end > codeStart) out.push({ kind: 'code', text: src.slice(codeStart, end), start: codeStart, depth: codeDepth });
  };

  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '#') {
      flushCode(i);
      let end = src.indexOf('\n', i);
      if (end === -1) end = src.length;
      out.push({ kind: 'comment', text: src.slice(i, end), start: i, depth });
      i = end;
      codeStart = i;
      codeDepth = depth;
      continue;
    }
    const prefixed = STRING_PREFIX.test(ch) && (src[i + 1] === '"' || src[i + 1] === "'") && !isIdentChar(src[i - 1]);
    if (ch === '"' || ch === "'" || prefixed) {
      const quoteAt = prefixed ? i + 1 : i;
      const raw = prefixed && (ch === 'r' || ch === 'R');
      const end = scanString(src, quoteAt, raw);
      flushCode(i);
      out.push({ kind: 'string', text: src.slice(i, end), start: i, depth });
      i = end;
      codeStart = i;
      codeDepth = depth;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    i++;
  }
  flushCode(src.length);
  return out;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/** Returns the offset just past the closing quote (or the end of input for an unterminated string). */
function scanString(src: string, quoteAt: number, raw: boolean): number {
  const q = src[quoteAt]!;
  const triple = src.startsWith(q.repeat(3), quoteAt);
  const close = triple ? q.repeat(3) : q;
  let j = quoteAt + close.length;
  while (j < src.length) {
    const c = src[j]!;
    if (c === '\\' && !raw) {
      j += 2;
      continue;
    }
    // A raw string still cannot contain its own quote unescaped; `\"` keeps both characters.
    if (c === '\\' && raw && src[j + 1] === q) {
      j += 2;
      continue;
    }
    if (!triple && c === '\n') return j; // unterminated single-line string ends at the newline
    if (src.startsWith(close, j)) return j + close.length;
    j++;
  }
  return src.length;
}

/** Offsets of line starts, for converting a source offset to line/column. */
export function lineStarts(src: string): number[] {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') starts.push(i + 1);
  return starts;
}

/**
 * The source with comments blanked and string contents replaced by spaces (quotes kept),
 * split into lines; every line keeps its length so columns still point into the original.
 */
export function maskedLines(src: string): string[] {
  let masked = '';
  for (const seg of segmentGdscript(src)) {
    if (seg.kind === 'code') masked += seg.text;
    else if (seg.kind === 'comment') masked += ' '.repeat(seg.text.length);
    else masked += maskString(seg.text);
  }
  return masked.split('\n');
}

function maskString(text: string): string {
  const prefix = /^[rR&^]/.test(text) ? 1 : 0;
  const q = text[prefix]!;
  const qlen = text.startsWith(q.repeat(3), prefix) ? 3 : 1;
  const openEnd = prefix + qlen;
  const closed = text.length >= openEnd + qlen && text.endsWith(q.repeat(qlen));
  const bodyEnd = closed ? text.length - qlen : text.length;
  const body = text.slice(openEnd, bodyEnd).replace(/[^\n]/g, ' ');
  return text.slice(0, openEnd) + body + text.slice(bodyEnd);
}
