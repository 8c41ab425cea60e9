// Parses aider-style search/replace edit blocks from model output, tolerating code fences around them.

export interface EditBlock {
  /** 1-based index of the block in the model output, for reports. */
  index: number;
  path: string;
  /** Lines to find; empty means "create this file". */
  search: string[];
  replace: string[];
  /** 1-based line of the SEARCH marker in the model output. */
  line: number;
}

export interface ParseResult {
  blocks: EditBlock[];
  errors: string[];
}

const SEARCH_RE = /^\s*<{5,9}\s*SEARCH\s*$/i;
const DIVIDER_RE = /^\s*={5,9}\s*$/;
const REPLACE_RE = /^\s*>{5,9}\s*REPLACE\s*$/i;
const FENCE_RE = /^\s*(`{3,}|~{3,})[\w+-]*\s*$/;

/** A path line: the file name alone, maybe wrapped in backticks/asterisks or followed by a colon. */
function asPath(line: string): string | null {
  const cleaned = line
    .trim()
    .replace(/^(#+\s*)?(file(name)?\s*:\s*)?/i, '')
    .replace(/^[`*"']+|[`*"':]+$/g, '')
    .trim();
  if (cleaned === '' || /\s/.test(cleaned)) return null;
  if (!/^[\w.@/\\-]+$/.test(cleaned)) return null;
  if (!/[./]/.test(cleaned)) return null;
  return cleaned.replace(/\\/g, '/');
}

export function parseEditBlocks(text: string): ParseResult {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const blocks: EditBlock[] = [];
  const errors: string[] = [];
  let lastPath: string | null = null;
  let ordinal = 0;
  let i = 0;
  while (i < lines.length) {
    if (!SEARCH_RE.test(lines[i]!)) {
      i++;
      continue;
    }
    const markerLine = i + 1;
    ordinal++;
    const path: string | null = findPathAbove(lines, i) ?? lastPath;
    const search: string[] = [];
    const replace: string[] = [];
    let j = i + 1;
    while (j < lines.length && !DIVIDER_RE.test(lines[j]!) && !SEARCH_RE.test(lines[j]!)) search.push(lines[j++]!);
    if (j >= lines.length || !DIVIDER_RE.test(lines[j]!)) {
      errors.push(`edit block ${ordinal} (line ${markerLine}): missing "=======" after the SEARCH lines`);
      i = j;
      continue;
    }
    j++;
    while (j < lines.length && !REPLACE_RE.test(lines[j]!) && !SEARCH_RE.test(lines[j]!)) replace.push(lines[j++]!);
    if (j >= lines.length || !REPLACE_RE.test(lines[j]!)) {
      errors.push(`edit block ${ordinal} (line ${markerLine}): missing ">>>>>>> REPLACE" after the replacement lines`);
      i = j;
      continue;
    }
    if (path === null) {
      errors.push(`edit block ${ordinal} (line ${markerLine}): no file path; put the path alone on the line before the block`);
    } else {
      blocks.push({ index: ordinal, path, search, replace, line: markerLine });
      lastPath = path;
    }
    i = j + 1;
  }
  return { blocks, errors };
}

/** Looks back past blank and fence lines (at most three) for the path line. */
function findPathAbove(lines: string[], markerIdx: number): string | null {
  let k = markerIdx - 1;
  let skipped = 0;
  while (k >= 0 && skipped < 3 && (lines[k]!.trim() === '' || FENCE_RE.test(lines[k]!))) {
    k--;
    skipped++;
  }
  return k >= 0 ? asPath(lines[k]!) : null;
}
