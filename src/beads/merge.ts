// Three-way merge of one bead (or convoy) file, for the git merge driver `gth beads merge %O %A %B`.
import { readFile } from 'node:fs/promises';
import { Bead, Convoy, type HistoryEntry, type Attempt } from './schema.js';
import { parseBeadText, parseConvoyText, serializeBead, serializeConvoy } from './serialize.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { GthError, errorMessage } from '../util/errors.js';

export interface MergeResult<T> {
  merged: T;
  /** One line per field both sides changed differently, saying what was kept. */
  conflicts: string[];
}

/** Who merge-driver history entries are attributed to. */
export const MERGE_ACTOR = 'gth-merge';

type Side = 'ours' | 'theirs';

/** Fields with their own merge rule; every other schema field is merged as one value. */
const SET_FIELDS = new Set(['labels', 'files', 'acceptance', 'dependencies']);

/**
 * Merges two versions of a bead that share `base` (null when both branches added the file).
 * Each field comes from the side that changed it; when both changed it differently, the side with
 * the later `updatedAt` wins and a history entry records the field, both values and the winner.
 * `now` (the time of such entries) defaults to the later side's `updatedAt`.
 */
export function mergeBeads(
  base: Bead | null,
  ours: Bead,
  theirs: Bead,
  now?: string,
  by: string = MERGE_ACTOR,
): MergeResult<Bead> {
  if (ours.id !== theirs.id) throw new GthError(`cannot merge bead ${ours.id} with bead ${theirs.id}: different ids`);
  const later = laterSide(ours.updatedAt, theirs.updatedAt, ours, theirs);
  // Default time: the later update, so every clone merging the same two versions writes the same bytes.
  const at = now ?? (later === 'ours' ? ours.updatedAt : theirs.updatedAt);
  const conflicts: Conflict[] = [];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(Bead.shape) as (keyof Bead)[]) {
    const b = base?.[key];
    const o = ours[key];
    const t = theirs[key];
    if (key === 'history') out[key] = unionHistory([base?.history ?? [], ours.history, theirs.history]);
    else if (key === 'attempts') out[key] = unionAttempts(base?.attempts ?? [], ours.attempts, theirs.attempts, later);
    else if (key === 'updatedAt') out[key] = later === 'ours' ? o : t;
    else if (key === 'closedAt') continue; // merged together with status below
    else if (key === 'status') {
      // Status and closedAt move together: a bead must not end up open with a close time.
      const pick = (x: Bead | null) => (x ? { status: x.status, closedAt: x.closedAt } : undefined);
      const v = mergeValue('status', pick(base), pick(ours), pick(theirs), later, conflicts) as Pick<Bead, 'status' | 'closedAt'>;
      out.status = v.status;
      out.closedAt = v.closedAt;
    } else if (key === 'bd') {
      const v = mergeRecord('bd', b, o, t, later, conflicts, 2);
      if (v !== undefined) out[key] = v;
    } else if (SET_FIELDS.has(key)) out[key] = mergeSet(b as unknown[] | undefined, o as unknown[], t as unknown[], later);
    else {
      const v = mergeValue(key, b, o, t, later, conflicts);
      if (v !== undefined) out[key] = v;
    }
  }
  if (conflicts.length) {
    const status = out.status as Bead['status'];
    const notes = conflicts.map((c): HistoryEntry => ({ at, by, from: status, to: status, note: conflictNote(c, ours, theirs) }));
    out.history = unionHistory([base?.history ?? [], ours.history, theirs.history], notes);
    if (compareTimes(at, out.updatedAt as string) > 0) out.updatedAt = at;
  }
  const parsed = Bead.safeParse(out);
  if (!parsed.success) {
    throw new GthError(`merged bead ${ours.id} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { merged: parsed.data, conflicts: conflicts.map((c) => conflictLine(c, ours, theirs)) };
}

/** Convoys: bead lists merged as sets, other fields like beads' fields (no history to record in). */
export function mergeConvoys(base: Convoy | null, ours: Convoy, theirs: Convoy): MergeResult<Convoy> {
  if (ours.id !== theirs.id) throw new GthError(`cannot merge convoy ${ours.id} with convoy ${theirs.id}: different ids`);
  const later = laterSide(ours.updatedAt, theirs.updatedAt, ours, theirs);
  const conflicts: Conflict[] = [];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(Convoy.shape) as (keyof Convoy)[]) {
    if (key === 'beads') out[key] = mergeSet(base?.beads, ours.beads, theirs.beads, later);
    else if (key === 'updatedAt') out[key] = later === 'ours' ? ours.updatedAt : theirs.updatedAt;
    else out[key] = mergeValue(key, base?.[key], ours[key], theirs[key], later, conflicts);
  }
  return { merged: Convoy.parse(out), conflicts: conflicts.map((c) => conflictLine(c, ours, theirs)) };
}

/**
 * The git merge driver: merges %O (base), %A (ours) and %B (theirs) and writes the result to %A
 * atomically. Returns 0 on success; 1 (leaving %A untouched) when a file cannot be parsed or merged,
 * so git reports a conflict instead of storing a broken bead.
 */
export async function mergeBeadFiles(
  basePath: string,
  oursPath: string,
  theirsPath: string,
  opts: { now?: string; log?: (line: string) => void } = {},
): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const [baseText, oursText, theirsText] = await Promise.all([basePath, oursPath, theirsPath].map((p) => readFile(p, 'utf8')));
    const isConvoy = looksLikeConvoy(oursText!);
    const parse = isConvoy ? parseConvoyText : parseBeadText;
    // An empty base means both branches added the file.
    const base = baseText!.trim() === '' ? null : parse(baseText!, `${basePath} (merge base)`);
    const ours = parse(oursText!, `${oursPath} (ours)`);
    const theirs = parse(theirsText!, `${theirsPath} (theirs)`);
    const { text, conflicts, id } = isConvoy
      ? ((r) => ({ text: serializeConvoy(r.merged), conflicts: r.conflicts, id: r.merged.id }))(
          mergeConvoys(base as Convoy | null, ours as Convoy, theirs as Convoy),
        )
      : ((r) => ({ text: serializeBead(r.merged), conflicts: r.conflicts, id: r.merged.id }))(
          mergeBeads(base as Bead | null, ours as Bead, theirs as Bead, opts.now),
        );
    await writeFileAtomic(oursPath, text);
    for (const c of conflicts) log(`gth beads merge: ${id}: ${c}`);
    return 0;
  } catch (err) {
    log(`gth beads merge: cannot merge, leaving the conflict to git: ${errorMessage(err)}`);
    return 1;
  }
}

function looksLikeConvoy(text: string): boolean {
  try {
    const v = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Record<string, unknown>;
    return v !== null && typeof v === 'object' && Array.isArray(v.beads) && !('status' in v);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

interface Conflict {
  field: string;
  ours: unknown;
  theirs: unknown;
  winner: Side;
}

/** The side whose update is later; on an exact tie, a deterministic pick so both merge orders agree. */
function laterSide(oursAt: string, theirsAt: string, ours: unknown, theirs: unknown): Side {
  const c = compareTimes(oursAt, theirsAt);
  if (c !== 0) return c > 0 ? 'ours' : 'theirs';
  return stableJson(ours) >= stableJson(theirs) ? 'ours' : 'theirs';
}

/** Classic three-way pick for one value; both changed differently -> the later side, recorded. */
function mergeValue(field: string, b: unknown, o: unknown, t: unknown, later: Side, conflicts: Conflict[]): unknown {
  if (same(o, t)) return o;
  if (b !== undefined || o === undefined || t === undefined) {
    if (same(o, b)) return t;
    if (same(t, b)) return o;
  }
  conflicts.push({ field, ours: o, theirs: t, winner: later });
  return later === 'ours' ? o : t;
}

/** Per-key merge of plain objects (bd origin data), `depth` levels deep; deeper values merge whole. */
function mergeRecord(field: string, b: unknown, o: unknown, t: unknown, later: Side, conflicts: Conflict[], depth: number): unknown {
  if (same(o, t)) return o;
  if (same(o, b)) return t;
  if (same(t, b)) return o;
  if (depth === 0 || !isPlain(o) || !isPlain(t) || (b !== undefined && !isPlain(b))) return mergeValue(field, b, o, t, later, conflicts);
  const bo = (b ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = [...new Set([...Object.keys(o), ...Object.keys(t)])];
  for (const k of keys) {
    const v = mergeRecord(`${field}.${k}`, bo[k], o[k], t[k], later, conflicts, depth - 1);
    if (v !== undefined) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Set merge for lists: one side changed -> that side; both changed -> keep what both kept,
 * plus what either added (a removal on one side stays removed). The `first` side's order leads.
 */
export function mergeSet<T>(b: readonly T[] | undefined, o: readonly T[], t: readonly T[], first: Side = 'ours'): T[] {
  if (same(o, t)) return [...o];
  if (b !== undefined && same(o, b)) return [...t];
  if (b !== undefined && same(t, b)) return [...o];
  const keyed = (xs: readonly T[]) => new Set(xs.map(stableJson));
  const inBase = keyed(b ?? []);
  const inOurs = keyed(o);
  const inTheirs = keyed(t);
  const out: T[] = [];
  const seen = new Set<string>();
  for (const x of first === 'ours' ? [...o, ...t] : [...t, ...o]) {
    const k = stableJson(x);
    if (seen.has(k)) continue;
    const keep = (inOurs.has(k) && inTheirs.has(k)) || !inBase.has(k);
    if (keep) {
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}

/**
 * Append-only histories: every entry from any list once, ordered by time. Equal times keep each
 * side's own order (position in its list), then a content order, so swapping the sides changes nothing.
 * `after` entries (the merge's own notes) come after everything else with the same time.
 */
export function unionHistory(lists: (readonly HistoryEntry[])[], after: readonly HistoryEntry[] = []): HistoryEntry[] {
  const byKey = new Map<string, { h: HistoryEntry; rank: number; key: string }>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (const [list, offset] of [...lists.map((l) => [l, 0] as const), [after, longest] as const]) {
    list.forEach((h, i) => {
      const rank = offset + i;
      const key = stableJson(h);
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, { h, rank, key });
      else seen.rank = Math.min(seen.rank, rank);
    });
  }
  return [...byKey.values()]
    .sort((p, q) => compareTimes(p.h.at, q.h.at) || p.rank - q.rank || (p.key < q.key ? -1 : p.key > q.key ? 1 : 0))
    .map((x) => x.h);
}

/** Attempts are identified by (n, at); an attempt edited on one side keeps that edit. */
function unionAttempts(b: readonly Attempt[], o: readonly Attempt[], t: readonly Attempt[], later: Side): Attempt[] {
  const key = (a: Attempt) => `${a.n}|${a.at}`;
  const baseByKey = new Map(b.map((a) => [key(a), a]));
  const theirsByKey = new Map(t.map((a) => [key(a), a]));
  const out = new Map<string, Attempt>();
  for (const a of o) {
    const other = theirsByKey.get(key(a));
    const was = baseByKey.get(key(a));
    if (!other || same(a, other) || same(other, was)) out.set(key(a), a);
    else if (same(a, was)) out.set(key(a), other);
    else out.set(key(a), later === 'ours' ? a : other);
  }
  for (const a of t) if (!out.has(key(a)) && !o.some((x) => key(x) === key(a))) out.set(key(a), a);
  return [...out.values()].sort((x, y) => x.n - y.n || compareTimes(x.at, y.at));
}

/** Compares ISO times with any offset, down to bd's microseconds (Date keeps only milliseconds). */
export function compareTimes(a: string, b: string): number {
  const d = Date.parse(a) - Date.parse(b);
  if (d !== 0 && !Number.isNaN(d)) return d;
  const frac = (s: string) => (/T[\d:]+\.(\d+)/.exec(s)?.[1] ?? '').slice(3).padEnd(9, '0');
  return frac(a) < frac(b) ? -1 : frac(a) > frac(b) ? 1 : 0;
}

function conflictLine(c: Conflict, ours: { updatedAt: string }, theirs: { updatedAt: string }): string {
  const at = c.winner === 'ours' ? ours.updatedAt : theirs.updatedAt;
  return `${c.field}: ours ${show(c.ours)} vs theirs ${show(c.theirs)}; kept ${c.winner} (later update ${at})`;
}

function conflictNote(c: Conflict, ours: Bead, theirs: Bead): string {
  return `merge conflict on ${c.field}: ours ${show(c.ours)} (updated ${ours.updatedAt}) vs theirs ${show(c.theirs)} (updated ${theirs.updatedAt}); kept ${c.winner} (later update)`;
}

const SHOW_LIMIT = 2000;
function show(v: unknown): string {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > SHOW_LIMIT ? `${s.slice(0, SHOW_LIMIT)}…` : s;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted, so equal values compare equal whatever order their keys were built in. */
function stableJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_k, x: unknown) =>
    isPlain(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x,
  );
}
