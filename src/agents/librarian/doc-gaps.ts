// Finds GDScript declarations that lack a `##` doc comment, and places model-written doc text above them.
import { maskedLines } from '../gdscript/segments.js';

export type DocKind = 'class' | 'inner_class' | 'func' | 'signal' | 'export_var';

export interface DocGap {
  /** Stable key the model answers with, e.g. "func:score_hit" or "func:HitRecord.reset". */
  key: string;
  kind: DocKind;
  name: string;
  /** 1-based line of the declaration, and the line the doc comment goes above. */
  line: number;
  insertBefore: number;
  indent: string;
  /** The declaration line, trimmed, shown to the model. */
  signature: string;
}

const HEADER_RE = /^(@tool|@icon\(.*\)|@static_unload|class_name\s+\w+.*|extends\s+.+)$/;
const ANNOTATION_ONLY_RE = /^@\w+(\(.*\))?$/;

interface Decl {
  kind: DocKind;
  name: string;
}

function declOf(code: string, pendingExport: boolean): Decl | null {
  let m = /^(?:@\w+(?:\([^)]*\))?\s+)*(?:static\s+)?func\s+([A-Za-z_]\w*)/.exec(code);
  if (m) return { kind: 'func', name: m[1]! };
  m = /^class\s+([A-Za-z_]\w*)/.exec(code);
  if (m) return { kind: 'inner_class', name: m[1]! };
  m = /^signal\s+([A-Za-z_]\w*)/.exec(code);
  if (m) return { kind: 'signal', name: m[1]! };
  m = /^((?:@\w+(?:\([^)]*\))?\s+)*)(?:static\s+)?var\s+([A-Za-z_]\w*)/.exec(code);
  if (m && (pendingExport || /@export/.test(m[1]!))) return { kind: 'export_var', name: m[2]! };
  return null;
}

const isDocLine = (raw: string | undefined): boolean => raw !== undefined && raw.trim().startsWith('##');

/** Every class (class_name), inner class, function, signal and exported var without a `##` comment. */
export function findDocGaps(src: string): DocGap[] {
  const raw = src.split('\n').map((l) => l.replace(/\r$/, ''));
  const masked = maskedLines(src);
  const gaps: DocGap[] = [];
  // Inner classes: a stack of [indent width, class name] to qualify member keys.
  const classes: { indent: number; name: string }[] = [];
  let funcIndent: number | null = null;
  let pendingExport = false;
  let headerEnd = 0;
  let className: string | null = null;
  let seenMember = false;

  masked.forEach((m, idx) => {
    const code = m.trim();
    if (code === '') return;
    const indent = m.length - m.trimStart().length;
    // Inside a function body (deeper than the func line) nothing is a member.
    if (funcIndent !== null && indent > funcIndent) return;
    funcIndent = null;
    while (classes.length > 0 && indent <= classes[classes.length - 1]!.indent) classes.pop();

    if (!seenMember && indent === 0 && HEADER_RE.test(code)) {
      headerEnd = idx + 1;
      const cn = /^class_name\s+(\w+)/.exec(code);
      if (cn) className = cn[1]!;
      return;
    }
    if (ANNOTATION_ONLY_RE.test(code)) {
      if (code.startsWith('@export')) pendingExport = true;
      return;
    }
    seenMember = true;
    const decl = declOf(code, pendingExport);
    pendingExport = false;
    if (decl?.kind === 'func') funcIndent = indent;
    if (!decl) return;
    const qualified = [...classes.map((c) => c.name), decl.name].join('.');
    if (decl.kind === 'inner_class') classes.push({ indent, name: decl.name });
    // The doc goes above any annotation lines stacked on the declaration.
    let attach = idx;
    while (attach > 0 && ANNOTATION_ONLY_RE.test(masked[attach - 1]!.trim()) && raw[attach - 1]!.trim() !== '') attach--;
    const inlineDoc = (decl.kind === 'signal' || decl.kind === 'export_var') && /##/.test(raw[idx]!.slice(m.trimEnd().length));
    if (isDocLine(raw[attach - 1]) || inlineDoc) return;
    gaps.push({
      key: `${decl.kind === 'export_var' ? 'var' : decl.kind}:${qualified}`,
      kind: decl.kind,
      name: qualified,
      line: idx + 1,
      insertBefore: attach + 1,
      indent: raw[idx]!.slice(0, raw[idx]!.length - raw[idx]!.trimStart().length),
      signature: raw[idx]!.trim(),
    });
  });

  if (className !== null && !hasScriptDoc(raw, headerEnd)) {
    gaps.unshift({ key: `class:${className}`, kind: 'class', name: className, line: headerEnd, insertBefore: headerEnd + 1, indent: '', signature: `class_name ${className}` });
  }
  return gaps;
}

/** A script doc is a `##` block right above the header, or one after it that is not glued to a member. */
function hasScriptDoc(raw: string[], headerEnd: number): boolean {
  let first = 0;
  while (first < raw.length && raw[first]!.trim() === '') first++;
  if (isDocLine(raw[first]) && first < headerEnd) return true;
  let k = headerEnd;
  while (k < raw.length && raw[k]!.trim() === '') k++;
  if (!isDocLine(raw[k])) return false;
  while (k < raw.length && isDocLine(raw[k])) k++;
  return k >= raw.length || raw[k]!.trim() === '';
}

export interface InsertResult {
  source: string;
  inserted: string[];
  /** Keys the model answered that match no gap (reported back, never placed somewhere else). */
  unknown: string[];
}

/** Turns model text into `##` lines: drops fences and any leading `#` the model added itself. */
function docLines(text: string, indent: string): string[] {
  const body = text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => !/^\s*(```|~~~)/.test(l))
    .map((l) => l.replace(/^\s*#+ ?/, '').trimEnd());
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  while (body.length > 0 && body[0] === '') body.shift();
  return body.map((l) => (l === '' ? `${indent}##` : `${indent}## ${l}`));
}

/** Places the doc text for each gap key (from the model) above its declaration; the code decides where. */
export function insertDocComments(src: string, docs: Record<string, string>): InsertResult {
  const gaps = findDocGaps(src);
  const byKey = new Map(gaps.map((g) => [g.key, g]));
  const unknown = Object.keys(docs).filter((k) => !byKey.has(k));
  const lines = src.split('\n');
  const chosen = gaps.filter((g) => docs[g.key] !== undefined && docLines(docs[g.key]!, g.indent).length > 0);
  // Bottom-up so earlier insertion points keep their line numbers.
  for (const g of [...chosen].sort((a, b) => b.insertBefore - a.insertBefore)) {
    const block = docLines(docs[g.key]!, g.indent);
    // A script doc must not be glued to the first member, or Godot reads it as that member's doc.
    if (g.kind === 'class' && (lines[g.insertBefore - 1] ?? '').trim() !== '') block.push('');
    lines.splice(g.insertBefore - 1, 0, ...block);
  }
  return { source: lines.join('\n'), inserted: chosen.map((g) => g.key), unknown };
}
