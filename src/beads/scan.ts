// Reads the bead folder through the scan cache: every file is stat-ed, only changed ones are read and validated.
// No zod here: `gth bead list/ready` load the parser only when a file changed since the last scan.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Bead } from './schema.js';
import { BEAD_ID_FORM, isBeadId } from './model.js';
import {
  BeadIndex,
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

/** One healthy bead file: its summary at once, the whole bead parsed from the cached JSON only when asked for. */
export class ScannedBead {
  private parsed: Bead | undefined;

  constructor(
    readonly file: string,
    readonly summary: BeadSummary,
    /** The bead's bytes as JSON.stringify(beads, null, 2) prints it inside an array (see beadsJson). */
    readonly json: ElementRef,
    bead?: Bead,
  ) {
    this.parsed = bead;
  }

  get bead(): Bead {
    this.parsed ??= JSON.parse(utf8.decode(this.json.source.subarray(this.json.start, this.json.end))) as Bead;
    return this.parsed;
  }
}

export interface ScanResult {
  beads: ScannedBead[];
  problems: { file: string; message: string }[];
}

export interface ScanOptions {
  /** The clock the racy check compares file times with (ms since the epoch). */
  now?: () => number;
}

const utf8 = new TextDecoder();

/**
 * Exactly the UTF-8 of JSON.stringify(beads, null, 2) for these beads, copied from the cached bytes instead of
 * stringifying objects. Beads next to each other in the index blob (list order) are copied as one run.
 */
export function beadsJson(beads: readonly Pick<ScannedBead, 'json'>[]): Buffer {
  if (beads.length === 0) return Buffer.from('[]');
  const runs: ElementRef[] = [];
  let size = 0;
  for (const { json } of beads) {
    const last = runs[runs.length - 1];
    if (last && last.source === json.source && last.end + ELEMENT_SEPARATOR.length === json.start) last.end = json.end;
    else runs.push({ ...json });
    size += json.end - json.start + ELEMENT_SEPARATOR.length;
  }
  const out = Buffer.allocUnsafe(size - ELEMENT_SEPARATOR.length + '[\n  '.length + '\n]'.length);
  let at = out.write('[\n  ');
  for (const [i, r] of runs.entries()) {
    if (i > 0) at += ELEMENT_SEPARATOR.copy(out, at);
    out.set(r.source.subarray(r.start, r.end), at);
    at += r.end - r.start;
  }
  at += out.write('\n]', at);
  return out.subarray(0, at);
}

/**
 * Every bead file of `dir`, collecting problems instead of stopping at the first. A file whose inode, mtime,
 * ctime and size match the index comes from it; any other is read and validated, so the index never wins
 * over the files (an edit, a restored mtime, a broken file, a deletion all show at once).
 */
export async function scanBeads(dir: string, opts: ScanOptions = {}): Promise<ScanResult> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { beads: [], problems: [] };
    throw err;
  }
  const startedAt = (opts.now ?? Date.now)();
  const indexDir = indexDirFor(dir);
  const index = indexDir ? BeadIndex.read(indexDir) : BeadIndex.empty();
  // The next index: rows of the old one still valid, then entries read now.
  const keep: number[] = [];
  const fresh: IndexEntry[] = [];
  let changed = false;
  // One slot per file, in folder order; misses are read after the stat pass.
  const slots: (ScannedBead | { name: string; file: string; stamp: FileStamp } | { problem: string; file: string })[] = [];
  for (const name of names) {
    const file = join(dir, name);
    if (!isBeadId(name.slice(0, -'.json'.length))) {
      slots.push({ file, problem: `${file}: the file name is not a bead id: expected ${BEAD_ID_FORM}` });
      continue;
    }
    let stamp: FileStamp;
    try {
      const st = statSync(file);
      stamp = { ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted since readdir: gone
      slots.push({ file, problem: `${file}: ${(err as Error).message}` });
      continue;
    }
    const row = index.find(name, stamp);
    if (row === undefined) {
      slots.push({ name, file, stamp });
      continue;
    }
    keep.push(row);
    slots.push(new ScannedBead(file, index.summary(row), index.element(row)));
  }

  const misses = slots.filter((s): s is { name: string; file: string; stamp: FileStamp } => 'stamp' in s);
  // The parser (and zod) is loaded only when some file must be read.
  const parse = misses.length ? (await import('./serialize.js')).parseBeadText : null;
  const result: ScanResult = { beads: [], problems: [] };
  for (const slot of slots) {
    if (slot instanceof ScannedBead) {
      result.beads.push(slot);
      continue;
    }
    if ('problem' in slot) {
      result.problems.push({ file: slot.file, message: slot.problem });
      continue;
    }
    const { name, file, stamp } = slot;
    if (index.has(name)) changed = true;
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
    result.beads.push(new ScannedBead(file, entry.summary, entry.element, bead));
  }
  if (keep.length !== index.size) changed = true;
  if (changed && indexDir) writeIndex(indexDir, [...keep.map((row) => index.entry(row)), ...fresh]);
  return result;
}
