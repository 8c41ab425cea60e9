// The scan cache's file (in the town's .git folder, so it is never committed): per bead file its stamp, the fields
// list, ready and plan need, and the validated bead as JSON bytes. Read with plain JSON.parse, no zod: see scan.ts for the rules.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Assignee, Bead } from './schema.js';
import { beadTextKey } from './text.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';

export const INDEX_NAME = 'gth-bead-index.json';
/**
 * Version 1 held whole bead objects; 2 is columns plus JSON bytes (parsing one 7 MB object tree cost more than the
 * rest of a scan); 3 drops the names column (a file is its id) and adds what planning reads, so `gth plan`,
 * `bead list` and `bead ready` read the header line only, not the 15 MB of bytes behind it; 4 puts the summaries
 * on a line of their own, parsed only when asked for, and gives each write a generation (see bead-views.ts).
 */
const VERSION = 4;
/** The header is read in pieces of this size until its newline: the bytes after it are read only when asked for. */
const HEAD_CHUNK = 1 << 20;

/** What a file looked like when its bead was cached. ctime is in it because `touch -d` can put mtime back, but not ctime. */
export interface FileStamp {
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  size: number;
}

/**
 * The fields `bead list` and `bead ready` filter, sort and print by, and what `gth plan` reads (its token estimate and
 * files, and the key its text's token count is cached under): enough to answer them without the whole bead.
 */
export type BeadSummary = Pick<
  Bead,
  'id' | 'title' | 'type' | 'role' | 'convoy' | 'status' | 'priority' | 'dependencies' | 'createdAt' | 'tokenEstimate' | 'files'
> & {
  assignee: Pick<Assignee, 'agent'> | null;
  /** beadTextKey of the bead (see text.ts). */
  textKey: string;
};

/**
 * A bead's JSON bytes: `source[start, end)`, where `source` may be the whole index blob (see beadsJson). Every
 * source holds ELEMENT_SEPARATOR right after `end`, so a run of elements copies as one piece.
 */
export interface ElementRef {
  source: Uint8Array;
  start: number;
  end: number;
}

/** One bead file as the index stores it. */
export interface IndexEntry {
  name: string;
  stamp: FileStamp;
  summary: BeadSummary;
  /** The validated bead (UTF-8) as it stands inside JSON.stringify(beads, null, 2): each line after the first indented by two. */
  element: ElementRef;
}

/** What separates two elements of a pretty-printed array; the blob stores it after each element so runs copy in one piece. */
export const ELEMENT_SEPARATOR = Buffer.from(',\n  ');

export function summaryOf(b: Bead): BeadSummary {
  return {
    id: b.id,
    title: b.title,
    type: b.type,
    role: b.role,
    convoy: b.convoy,
    status: b.status,
    priority: b.priority,
    dependencies: b.dependencies,
    createdAt: b.createdAt,
    tokenEstimate: b.tokenEstimate,
    files: b.files,
    assignee: b.assignee ? { agent: b.assignee.agent } : null,
    textKey: beadTextKey(b),
  };
}

/** The bead as an element of a pretty-printed array (no string in JSON holds a raw newline, so this is exact). */
export function elementOf(b: Bead): ElementRef {
  const source = Buffer.from(`${JSON.stringify(b, null, 2).replaceAll('\n', '\n  ')}${ELEMENT_SEPARATOR.toString()}`);
  return { source, start: 0, end: source.length - ELEMENT_SEPARATOR.length };
}

/** Where the index of the beads folder `beadsDir` lives: the town's `.git` folder, or nowhere (no cache) without one. */
export function indexDirFor(beadsDir: string): string | null {
  const gitDir = join(dirname(beadsDir), '.git');
  try {
    return statSync(gitDir).isDirectory() ? gitDir : null;
  } catch {
    return null;
  }
}

// On disk: two lines of JSON, then the elements' bytes, each followed by ELEMENT_SEPARATOR, in list order
// (createdAt, id). The first line is what a scan needs to tell which files changed; the second (the summaries)
// is parsed only when a summary is asked for, so a command whose answer is cached for this generation (see
// bead-views.ts) parses neither it nor the elements.
//   {"version":4,"generation":"<random, new on every write>","ids":[id of row i, ...],"stamps":[ino,mtimeMs,
//    ctimeMs,size, ...],"ends":[end of element i in the blob, ...],"summaryBytes":<length of line 2 with its newline>}
//   [BeadSummary, ...]
// Summaries stay objects: JSON.parse builds them faster than code could build them from positional arrays.
interface Header {
  version: number;
  generation: string;
  ids: string[];
  stamps: number[];
  ends: number[];
  summaryBytes: number;
}

export interface IndexReadOptions {
  /** Read the elements' bytes now (default); without, they are read from the still open file on first use: call close(). */
  blob?: boolean;
}

/** Thrown when the summaries are asked for after the index file was replaced (another command rewrote it). */
export class IndexReplacedError extends Error {
  constructor(file: string) {
    super(`${file}: the bead index was rewritten while it was read`);
    this.name = 'IndexReplacedError';
  }
}

/** The index as read: rows looked up by file name, summaries and elements built only for the rows asked for. */
export class BeadIndex {
  private rows: Map<string, number> | undefined;
  private bytes: Uint8Array | undefined;
  private summaries: BeadSummary[] | undefined;

  private constructor(
    private readonly head: Header,
    /** The summaries line (parsed on first use), or how to read it from the file (an answer cached for the generation never reads it). */
    private summaryText: Buffer | (() => Buffer),
    private readonly file: string,
    /** Reads the blob (once), or undefined when it was read with the header. */
    private readBlob: (() => Uint8Array) | undefined,
    private readonly release: () => void = () => undefined,
  ) {}

  static empty(): BeadIndex {
    return new BeadIndex({ version: VERSION, generation: '', ids: [], stamps: [], ends: [], summaryBytes: 3 }, Buffer.from('[]'), '', () => new Uint8Array(0));
  }

  /** The index in `dir`, or an empty one when it is missing, unreadable, malformed or of another version. */
  static read(dir: string, opts: IndexReadOptions = {}): BeadIndex {
    const file = join(dir, INDEX_NAME);
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      const { buf, eol } = readHeadLine(fd, size, opts.blob ?? true);
      if (eol < 0) return BeadIndex.empty();
      const head = JSON.parse(buf.toString('utf8', 0, eol)) as Partial<Header>;
      if (!wellFormed(head, size - eol - 1)) return BeadIndex.empty();
      const blobStart = eol + 1 + head.summaryBytes;
      // The summaries line: from what was read already, else read on first use from this same file (its inode,
      // size and mtime checked, since by then it may have been replaced: see IndexReplacedError).
      let summaryText: Buffer | (() => Buffer);
      if (buf.length >= blobStart) {
        summaryText = buf.subarray(eol + 1, blobStart);
        if (summaryText[summaryText.length - 1] !== 10) return BeadIndex.empty();
      } else {
        const st = fstatSync(fd);
        summaryText = () => readSame(file, st, eol + 1, head.summaryBytes);
      }
      if (buf.length === size) return new BeadIndex(head, summaryText, file, undefined).withBlob(buf.subarray(blobStart));
      const open = fd;
      fd = undefined; // kept open for the blob; close() releases it
      return new BeadIndex(
        head,
        summaryText,
        file,
        () => {
          const blob = Buffer.allocUnsafe(size - blobStart);
          readFully(open, blob, blobStart);
          return blob;
        },
        () => closeSync(open),
      );
    } catch {
      return BeadIndex.empty();
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private withBlob(blob: Uint8Array): this {
    this.bytes = blob;
    return this;
  }

  /** Releases the file a header-only read keeps open (the blob cannot be read after). */
  close(): void {
    this.release();
    this.readBlob = () => {
      throw new Error('internal: bead index blob read after close()');
    };
  }

  /** Changes on every write of the index: equal generations mean the same files with the same stamps. */
  get generation(): string {
    return this.head.generation;
  }

  get size(): number {
    return this.head.ids.length;
  }

  names(): string[] {
    return this.head.ids.map((id) => `${id}.json`);
  }

  /** The row of file `name`, or undefined when the index does not hold it. */
  row(name: string): number | undefined {
    if (!this.rows) {
      this.rows = new Map();
      const ids = this.head.ids;
      for (let i = 0; i < ids.length; i++) this.rows.set(ids[i]!, i);
    }
    return name.endsWith('.json') ? this.rows.get(name.slice(0, -'.json'.length)) : undefined;
  }

  /** Whether the file of `row` still has the stamp it was cached with (a Stats from fs fits `stamp`). */
  unchanged(row: number, stamp: FileStamp): boolean {
    const s = this.head.stamps;
    const at = row * 4;
    return s[at] === stamp.ino && s[at + 1] === stamp.mtimeMs && s[at + 2] === stamp.ctimeMs && s[at + 3] === stamp.size;
  }

  get blob(): Uint8Array {
    this.bytes ??= this.readBlob!();
    return this.bytes;
  }

  start(row: number): number {
    return row === 0 ? 0 : this.head.ends[row - 1]! + ELEMENT_SEPARATOR.length;
  }

  end(row: number): number {
    return this.head.ends[row]!;
  }

  summary(row: number): BeadSummary {
    if (!this.summaries) {
      if (typeof this.summaryText === 'function') this.summaryText = this.summaryText();
      let parsed: unknown;
      try {
        parsed = JSON.parse(this.summaryText.toString('utf8'));
      } catch {
        parsed = null;
      }
      // Only a hand edit inside the line that keeps its length gets here: the line's length is checked on read.
      if (!Array.isArray(parsed) || parsed.length !== this.size || !parsed.every((x: BeadSummary | null, i) => x !== null && x.id === this.head.ids[i] && Array.isArray(x.dependencies) && Array.isArray(x.files))) {
        throw new Error(`${this.file}: the bead index is damaged (its summaries do not match its rows); delete the file, the next command rebuilds it`);
      }
      this.summaries = parsed as BeadSummary[];
    }
    return this.summaries[row]!;
  }

  element(row: number): ElementRef {
    return { source: this.blob, start: this.start(row), end: this.end(row) };
  }

  entry(row: number): IndexEntry {
    const s = this.head.stamps;
    const summary = this.summary(row);
    return {
      name: `${summary.id}.json`,
      stamp: { ino: s[row * 4]!, mtimeMs: s[row * 4 + 1]!, ctimeMs: s[row * 4 + 2]!, size: s[row * 4 + 3]! },
      summary,
      element: this.element(row),
    };
  }
}

/** `length` bytes at `position` of `file`, provided it is still the file `was` described; its last byte must be a newline. */
function readSame(file: string, was: { ino: number; size: number; mtimeMs: number }, position: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const now = fstatSync(fd);
    if (now.ino !== was.ino || now.size !== was.size || now.mtimeMs !== was.mtimeMs) throw new IndexReplacedError(file);
    const buf = Buffer.allocUnsafe(length);
    readFully(fd, buf, position);
    return buf;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new IndexReplacedError(file);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** Reads from `position` until `buf` is full (a read may return less than asked). */
function readFully(fd: number, buf: Uint8Array, position: number): void {
  for (let at = 0; at < buf.length; ) {
    const n = readSync(fd, buf, at, buf.length - at, position + at);
    if (n === 0) throw new Error('bead index shrank while read');
    at += n;
  }
}

/** The file's first line: the whole file at once when `all`, else pieces until the newline. eol is -1 without one. */
function readHeadLine(fd: number, size: number, all: boolean): { buf: Buffer; eol: number } {
  let buf = Buffer.allocUnsafe(all ? size : Math.min(size, HEAD_CHUNK));
  readFully(fd, buf, 0);
  let eol = buf.indexOf(10);
  while (eol < 0 && buf.length < size) {
    const more = Buffer.allocUnsafe(Math.min(size, buf.length * 4));
    buf.copy(more);
    readFully(fd, more.subarray(buf.length), buf.length);
    eol = more.indexOf(10, buf.length);
    buf = more;
  }
  return { buf, eol };
}

/** Shape checks only: the index is ours, but a truncated or foreign file must read as empty, not crash a scan. */
function wellFormed(h: Partial<Header>, afterHead: number): h is Header {
  if (h.version !== VERSION || typeof h.generation !== 'string' || !Array.isArray(h.ids) || !Array.isArray(h.stamps) || !Array.isArray(h.ends)) return false;
  if (!Number.isInteger(h.summaryBytes) || h.summaryBytes! < 3 || h.summaryBytes! > afterHead) return false;
  const blobSize = afterHead - h.summaryBytes!;
  const n = h.ids.length;
  if (h.stamps.length !== n * 4 || h.ends.length !== n) return false;
  let last = -ELEMENT_SEPARATOR.length;
  for (let i = 0; i < n; i++) {
    const end = h.ends[i]!;
    if (typeof h.ids[i] !== 'string') return false;
    if (!Number.isInteger(end) || end < last + ELEMENT_SEPARATOR.length || end + ELEMENT_SEPARATOR.length > blobSize) return false;
    last = end;
  }
  return h.stamps.every((x) => typeof x === 'number');
}

/** Best effort: a read command must not fail because the cache could not be written. The new generation, or null. */
export function writeIndex(dir: string, entries: readonly IndexEntry[]): string | null {
  const sorted = [...entries].sort(
    (a, b) => (a.summary.createdAt < b.summary.createdAt ? -1 : a.summary.createdAt > b.summary.createdAt ? 1 : a.summary.id < b.summary.id ? -1 : 1),
  );
  const head: Header = { version: VERSION, generation: randomBytes(9).toString('base64url'), ids: [], stamps: [], ends: [], summaryBytes: 0 };
  const summaries: BeadSummary[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const e of sorted) {
    head.ids.push(e.summary.id);
    head.stamps.push(e.stamp.ino, e.stamp.mtimeMs, e.stamp.ctimeMs, e.stamp.size);
    summaries.push(e.summary);
    const bytes = e.element.source.subarray(e.element.start, e.element.end);
    offset += bytes.length;
    head.ends.push(offset);
    parts.push(bytes, ELEMENT_SEPARATOR);
    offset += ELEMENT_SEPARATOR.length;
  }
  try {
    // JSON.stringify escapes every newline inside strings, so each header line is exactly one line.
    const summaryLine = Buffer.from(`${JSON.stringify(summaries)}\n`);
    head.summaryBytes = summaryLine.length;
    writeFileAtomicSync(join(dir, INDEX_NAME), Buffer.concat([Buffer.from(`${JSON.stringify(head)}\n`), summaryLine, ...parts]));
    return head.generation;
  } catch {
    return null; // read-only folder, full disk: the next scan reads the files again
  }
}
