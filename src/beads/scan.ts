// Reads the bead folder through the scan cache: every file is stat-ed, only changed ones are read and validated.
// No zod here: `gth bead list/ready` load the parser only when a file changed since the last scan.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Bead } from './schema.js';
import { BEAD_ID_FORM, isBeadId } from './model.js';
import {
  BeadIndex,
  IndexReplacedError,
  ELEMENT_SEPARATOR,
  indexDirFor,
  writeIndex,
  summaryOf,
  elementOf,
  type BeadSummary,
  type ElementRef,
  type FileStamp,
  type IndexEntry,
} from './scan-index.js';

/**
 * A file changed this close (ms) to the scan that read it is not trusted next time: file times tick coarsely
 * (a jiffy, or 1-2 s on some file systems), so a same-size write just after our read could keep every stamp.
 */
export const RACY_MS = 2000;

/**
 * One healthy bead file: its summary at once, the whole bead parsed only when asked for: from the cached JSON when
 * the scan kept the bytes, else from the file (its stamp matched the index, so it holds the bead that was validated).
 */
export class ScannedBead implements ElementRef {
  private parsed: Bead | undefined;

  private summaryValue: BeadSummary | undefined;
  private summaryFrom: (() => BeadSummary) | undefined;

  constructor(
    readonly file: string,
    /** The summary, or where to get it (the index parses its summaries on first use). */
    summary: BeadSummary | (() => BeadSummary),
    /** The bead's bytes, source[start, end), as JSON.stringify(beads, null, 2) prints it inside an array (see beadsJson). */
    private element: ElementRef | null,
    bead?: Bead,
  ) {
    this.parsed = bead;
    if (typeof summary === 'function') this.summaryFrom = summary;
    else this.summaryValue = summary;
  }

  get summary(): BeadSummary {
    this.summaryValue ??= this.summaryFrom!();
    return this.summaryValue;
  }

  /** Takes `bead` as this file's parsed form unless it was parsed already (see parseBeads). */
  adopt(bead: Bead): Bead {
    this.parsed ??= bead;
    return this.parsed;
  }

  get bead(): Bead {
    this.parsed ??= JSON.parse(this.element ? utf8.decode(this.source.subarray(this.start, this.end)) : readFileSync(this.file, 'utf8')) as Bead;
    return this.parsed;
  }

  /** Whether the bead's JSON bytes are at hand (a scan with `bytes`, or a file read by this scan). */
  get cached(): boolean {
    return this.element !== null;
  }

  private get bytes(): ElementRef {
    this.element ??= elementOf(this.bead);
    return this.element;
  }

  get source(): Uint8Array {
    return this.bytes.source;
  }

  get start(): number {
    return this.bytes.start;
  }

  get end(): number {
    return this.bytes.end;
  }
}

/**
 * Every bead parsed, in one JSON.parse of the cached bytes (runs of one source copy as one block): a plan over
 * 10,000 beads otherwise pays a decode and a parse per bead. The bytes were validated when they were indexed.
 */
export function parseBeads(beads: readonly ScannedBead[]): Bead[] {
  if (!beads.every((b) => b.cached)) return beads.map((b) => b.bead);
  const all = JSON.parse(beadsJson(beads).toString('utf8')) as Bead[];
  return beads.map((b, i) => b.adopt(all[i]!));
}

export interface ScanResult {
  beads: ScannedBead[];
  problems: { file: string; message: string }[];
  /**
   * The index generation these beads are exactly (every file served from an index that now holds just them), or
   * null when some file was read, is new or broken, or there is no index: answers derived from the beads may be
   * cached under it (bead-views.ts).
   */
  generation: string | null;
}

export interface ScanOptions {
  /** The clock the racy check compares file times with (ms since the epoch). */
  now?: () => number;
  /**
   * Keep each bead's cached JSON bytes (default), for beadsJson and parseBeads. Without, only the index's header
   * line is read (what list, ready and plan print by): a bead asked for whole is read from its file.
   */
  bytes?: boolean;
}

const utf8 = new TextDecoder();
const SEP = ELEMENT_SEPARATOR.length;

/**
 * Exactly the UTF-8 of JSON.stringify(beads, null, 2) for these beads, copied from the cached bytes instead of
 * stringifying objects. Beads that follow each other in one source (the index blob is in list order) copy as one run.
 */
export function beadsJson(beads: readonly ElementRef[]): Buffer {
  if (beads.length === 0) return Buffer.from('[]');
  let size = '[\n  '.length + '\n]'.length - SEP;
  for (const b of beads) size += b.end - b.start + SEP;
  const out = Buffer.allocUnsafe(size + SEP); // room for the last element's separator before "\n]" replaces it
  let at = out.write('[\n  ');
  for (let i = 0; i < beads.length; ) {
    const { source, start } = beads[i]!;
    let end = beads[i]!.end;
    for (i++; i < beads.length && beads[i]!.source === source && beads[i]!.start === end + SEP; i++) end = beads[i]!.end;
    // Each element is followed by the separator in its source: copy it along, the last one is overwritten.
    out.set(source.subarray(start, end + SEP), at);
    at += end + SEP - start;
  }
  out.write('\n]', at - SEP);
  return out.subarray(0, size);
}

/**
 * Row `row`'s summary; if another command rewrote the index since this scan read its first line, the summary is made
 * from the file (its stamp matched the index, so it holds the bead that was validated).
 */
function summaryAt(index: BeadIndex, row: number, file: string): BeadSummary {
  try {
    return index.summary(row);
  } catch (err) {
    if (err instanceof IndexReplacedError) return summaryOf(JSON.parse(readFileSync(file, 'utf8')) as Bead);
    throw err;
  }
}

/**
 * Every bead file of `dir`, collecting problems instead of stopping at the first. A file whose inode, mtime,
 * ctime and size match the index comes from it; any other is read and validated, so the index never wins
 * over the files (an edit, a restored mtime, a broken file, a deletion all show at once).
 */
export async function scanBeads(dir: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const base = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(base);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { beads: [], problems: [], generation: null };
    throw err;
  }
  const startedAt = (opts.now ?? Date.now)();
  const indexDir = indexDirFor(base);
  const bytes = opts.bytes ?? true;
  const index = indexDir ? BeadIndex.read(indexDir, { blob: bytes }) : BeadIndex.empty();
  try {
    return await scanWith(base, names, index, indexDir, startedAt, bytes);
  } finally {
    index.close();
  }
}

async function scanWith(base: string, names: readonly string[], index: BeadIndex, indexDir: string | null, startedAt: number, bytes: boolean): Promise<ScanResult> {
  const keep: number[] = []; // rows of the index still true
  const keptFiles: string[] = [];
  const read: ScannedBead[] = []; // beads read from their files
  let beads: ScannedBead[] | undefined;
  // The beads are made when first asked for: an answer kept for this generation (bead-views.ts) never asks.
  const result: ScanResult = {
    get beads(): ScannedBead[] {
      beads ??= [...keep.map((row, i) => new ScannedBead(keptFiles[i]!, () => summaryAt(index, row, keptFiles[i]!), bytes ? index.element(row) : null)), ...read];
      return beads;
    },
    problems: [],
    generation: null,
  };
  const misses: { name: string; file: string; stamp: FileStamp }[] = [];
  // Rows whose file changed: their stamps can never match again, so they need no rewrite of their own (a file edited
  // within RACY_MS would otherwise cost a rewrite of the whole index on every scan until it is old enough).
  let stale = 0;
  let changed = false;
  for (const name of names) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const file = `${base}${sep}${name}`;
    const row = index.row(name); // the index holds only names that were bead ids
    if (row === undefined && !isBeadId(name.slice(0, -'.json'.length))) {
      result.problems.push({ file, message: `${file}: the file name is not a bead id: expected ${BEAD_ID_FORM}` });
      continue;
    }
    let st: FileStamp | undefined;
    try {
      st = statSync(file, { throwIfNoEntry: false });
    } catch (err) {
      result.problems.push({ file, message: `${file}: ${(err as Error).message}` });
      continue;
    }
    if (!st) continue; // deleted since readdir: gone
    if (row !== undefined && index.unchanged(row, st)) {
      keep.push(row);
      keptFiles.push(file);
    } else {
      if (row !== undefined) stale++;
      misses.push({ name, file, stamp: { ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size } });
    }
  }

  // The parser (and zod) is loaded only when some file must be read.
  const parse = misses.length ? (await import('./serialize.js')).parseBeadText : null;
  const fresh: IndexEntry[] = [];
  for (const { name, file, stamp } of misses) {
    let bead: Bead;
    try {
      bead = parse!(readFileSync(file, 'utf8'), file);
    } catch (err) {
      result.problems.push({ file, message: (err as Error).message });
      continue;
    }
    const entry: IndexEntry = { name, stamp, summary: summaryOf(bead), element: elementOf(bead) };
    if (`${bead.id}.json` !== name) {
      result.problems.push({ file, message: `${file}: id "${bead.id}" does not match the file name` });
    } else if (Math.max(stamp.mtimeMs, stamp.ctimeMs) < startedAt - RACY_MS) {
      fresh.push(entry);
      changed = true;
    }
    read.push(new ScannedBead(file, entry.summary, entry.element, bead));
  }
  if (keep.length + stale !== index.size) changed = true; // a file was deleted
  if (changed && indexDir) {
    const generation = writeIndex(indexDir, [...keep.map((row) => index.entry(row)), ...fresh]);
    // Every bead is in the index just written (none was left out as too fresh, none failed): it is these beads.
    if (generation && fresh.length === misses.length && !result.problems.length) result.generation = generation;
  } else if (!misses.length && !result.problems.length && indexDir && index.size) result.generation = index.generation;
  return result;
}
