// Bead and convoy files as text: stable-key pretty JSON out, validated beads in with precise error locations.
import type { z } from 'zod';
import { Bead, Convoy } from './schema.js';
import { GthError } from '../util/errors.js';

/** One problem found in a bead or convoy file: `path` is a field path such as `dependencies[0].kind` ('' = whole file). */
export interface FileProblem {
  path: string;
  message: string;
  /** 1-based line of the field in the file, when it could be found. */
  line?: number;
}

/** A bead/convoy file that is not valid JSON or does not match the schema; lists every problem at once. */
export class BeadFileError extends GthError {
  constructor(
    readonly file: string,
    readonly problems: FileProblem[],
    options?: { cause?: unknown },
  ) {
    super(formatProblems(file, problems), options);
    this.name = 'BeadFileError';
  }
}

function formatProblems(file: string, problems: FileProblem[]): string {
  if (problems.length === 1) {
    const p = problems[0]!;
    return `${file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
  }
  const lines = problems.map((p) => `  ${p.path || '(whole file)'}: ${p.message}${p.line ? ` (line ${p.line})` : ''}`);
  return `${file}: ${problems.length} problems:\n${lines.join('\n')}`;
}

// ---------------------------------------------------------------------------------------------
// Writing: keys in schema order so every writer produces the same bytes and git diffs stay small.

export function serializeBead(bead: Bead): string {
  return serializeWith(Bead, bead, `bead ${String((bead as { id?: unknown }).id)}`);
}

export function serializeConvoy(convoy: Convoy): string {
  return serializeWith(Convoy, convoy, `convoy ${String((convoy as { id?: unknown }).id)}`);
}

function serializeWith(schema: z.ZodType, value: unknown, what: string): string {
  // Validate before writing: a file we write must always be one we can read back.
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new BeadFileError(`${what} (not written)`, zodProblems(parsed.error));
  }
  return `${JSON.stringify(orderKeys(schema, parsed.data), null, 2)}\n`;
}

interface ZodDefLike {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { def: ZodDefLike }).def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/**
 * Rebuilds `value` with object keys in the schema's declaration order (recursively), record keys sorted,
 * and values under `unknown` left exactly as they are (bd's nested values keep their original order).
 */
export function orderKeys(schema: z.ZodType, value: unknown): unknown {
  let def = defOf(schema);
  while (WRAPPERS.has(def.type) && def.innerType) def = defOf(def.innerType);
  if (value === null || typeof value !== 'object') return value;
  if (def.type === 'array' && Array.isArray(value) && def.element) {
    const element = def.element;
    return value.map((v) => orderKeys(element, v));
  }
  if (Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  if (def.type === 'object') {
    const shape = def.shape ?? {};
    const out: Record<string, unknown> = {};
    for (const [key, fieldSchema] of Object.entries(shape)) {
      if (obj[key] !== undefined) put(out, key, orderKeys(fieldSchema, obj[key]));
    }
    for (const key of Object.keys(obj).sort()) {
      if (!Object.hasOwn(shape, key) && obj[key] !== undefined) put(out, key, obj[key]);
    }
    return out;
  }
  if (def.type === 'record' && def.valueType) {
    const valueType = def.valueType;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj).sort()) put(out, key, orderKeys(valueType, obj[key]));
    return out;
  }
  return value;
}

/** Plain data assignment, even for a key named "__proto__" (bd data is free-form). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// Reading: JSON syntax errors with line/column, schema errors with field paths, all at once.

export function parseBeadText(text: string, file: string): Bead {
  return parseWith(Bead, text, file);
}

export function parseConvoyText(text: string, file: string): Convoy {
  return parseWith(Convoy, text, file);
}

function parseWith<T extends z.ZodType>(schema: T, text: string, file: string): z.infer<T> {
  const raw = parseJsonText(text, file);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
      line: lineOfField(text, issue.path),
    }));
    throw new BeadFileError(file, problems);
  }
  return parsed.data;
}

/**
 * The line where a field's key stands, found by searching for each key of the path in turn after the
 * previous one (exact for the pretty-printed files we write; a best effort for hand-edited ones).
 */
export function lineOfField(text: string, path: readonly PropertyKey[]): number | undefined {
  let at = 0;
  let found = false;
  for (const part of path) {
    if (typeof part !== 'string') continue;
    const idx = text.indexOf(`${JSON.stringify(part)}`, at);
    if (idx < 0) break;
    at = idx;
    found = true;
  }
  return found ? lineColumn(text, at).line : undefined;
}

/** JSON.parse with an error that names the file, line, column and enclosing field. */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    const found = locateJsonError(body);
    const where = lineColumn(body, found.offset);
    const path = formatPath(found.path);
    throw new BeadFileError(
      file,
      [{ path, message: `not valid JSON at line ${where.line}, column ${where.column}: ${found.message}` }],
      { cause: err },
    );
  }
}

export function zodProblems(error: z.ZodError): FileProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

interface JsonErrorSpot {
  offset: number;
  message: string;
  path: (string | number)[];
}

class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Finds where a JSON text goes wrong. Node's JSON.parse does not always report a position,
 * so this small scanner re-reads the text (only after JSON.parse has already failed).
 */
export function locateJsonError(text: string): JsonErrorSpot {
  const path: (string | number)[] = [];
  let i = 0;
  const describe = (at: number): string =>
    at >= text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(text[at])}`;
  const fail = (at: number, expected: string): never => {
    throw new JsonScanError(at, `${describe(at)}, expected ${expected}`);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new JsonScanError(i, 'bad \\u escape in string');
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) throw new JsonScanError(i, 'bad escape in string');
        out += e;
        i += 2;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) throw new JsonScanError(i, 'raw control character in string (use an escape such as \\n)');
      out += c;
      i++;
    }
    throw new JsonScanError(start, 'string is never closed');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i, 'a property name in double quotes');
        const key = string();
        ws();
        if (text[i] !== ':') fail(i, `":" after property name ${JSON.stringify(key)}`);
        i++;
        path.push(key);
        value();
        path.pop();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i, `"," or "}" after the value of ${JSON.stringify(key)}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        path.push(n);
        value();
        path.pop();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i, '"," or "]" in array');
      }
    }
    if (c === '"') {
      string();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (m && m[0].length > 0 && m[0] !== '-') {
      i += m[0].length;
      return;
    }
    fail(i, 'a value');
  };
  try {
    value();
    ws();
    if (i < text.length) fail(i, 'end of input after the top-level value');
  } catch (err) {
    if (err instanceof JsonScanError) return { offset: err.offset, message: err.message, path: [...path] };
    throw err;
  }
  // JSON.parse failed but the scanner did not: should not happen; report the start of the text.
  return { offset: 0, message: 'not valid JSON', path: [] };
}
