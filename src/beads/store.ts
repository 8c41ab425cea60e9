// The bead store: one JSON file per bead in beads/, one per convoy in beads/convoys/, locked and atomic.
import { readdir, readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { parseBeads, scanBeads, type ScanResult } from './scan.js';
import { join, relative, resolve, dirname } from 'node:path';
import { Bead, Convoy, BEAD_ID_FORM, isBeadId, type BeadInput, type Status, type Assignee } from './schema.js';
import { serializeBead, serializeConvoy, parseBeadText, parseConvoyText } from './serialize.js';
import { writeFileAtomic, syncDir } from '../util/atomic-write.js';
import { withDirLock } from './lock.js';
import { generateId, defaultPrefix, assertPrefix, assertBeadId } from './ids.js';
import { assertTransition } from './transitions.js';
import { openBlockers } from './graph.js';
import { townGit, type TownGit } from './git.js';
import { GthError, UsageError } from '../util/errors.js';

export class NotFoundError extends UsageError {
  constructor(what: string, id: string, dir: string) {
    super(`unknown ${what} id "${id}" (no ${what === 'bead' ? '' : 'convoys/'}${id}.json in ${dir})`);
    this.name = 'NotFoundError';
  }
}

export class ClaimError extends GthError {
  constructor(message: string, readonly holder: string | null) {
    super(message);
    this.name = 'ClaimError';
  }
}

export interface BeadStoreOptions {
  /** The beads folder (usually <town repo>/beads). */
  dir: string;
  /** Who is acting, recorded in history (default $GTH_ACTOR or "human"). */
  actor?: string;
  /** Commit every change with git (the folder must be inside a git work tree). */
  commit?: boolean;
  /** Id prefix; default derived from the town repo's folder name. */
  prefix?: string;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
  /** Lock age (ms, at least 5000) after which a dead holder's lock is taken over; $GTH_LOCK_STALE_MS. */
  lockStaleMs?: number;
}

export interface ChangeOptions {
  by?: string;
  note?: string;
  /** Skip the per-change commit: the caller commits several files together. */
  noCommit?: boolean;
}

export type NewBead = Omit<BeadInput, 'id' | 'createdAt' | 'updatedAt' | 'history' | 'status'> & { id?: string };

export type { ScanResult } from './scan.js';

export class BeadStore {
  readonly dir: string;
  readonly convoysDir: string;
  readonly actor: string;
  readonly commit: boolean;
  readonly prefix: string;
  private readonly now: () => Date;
  private readonly lockStaleMs: number | undefined;
  private gitCache?: TownGit;

  constructor(opts: BeadStoreOptions) {
    const env = opts.env ?? process.env;
    this.dir = resolve(opts.dir);
    this.convoysDir = join(this.dir, 'convoys');
    this.actor = opts.actor ?? env.GTH_ACTOR ?? 'human';
    this.commit = opts.commit ?? false;
    this.prefix = assertPrefix(opts.prefix ?? env.GTH_BEAD_PREFIX ?? defaultPrefix(dirname(this.dir)));
    this.now = opts.now ?? (() => new Date());
    const stale = opts.lockStaleMs ?? Number(env.GTH_LOCK_STALE_MS);
    this.lockStaleMs = Number.isFinite(stale) && stale > 0 ? Math.max(5000, stale) : undefined;
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withDirLock(this.dir, fn, { staleMs: this.lockStaleMs });
  }

  get git(): TownGit {
    this.gitCache ??= townGit(dirname(this.dir));
    return this.gitCache;
  }

  /** The only way a bead id becomes a path: ids that are not of the id form are refused (exit 2). */
  beadPath(id: string): string {
    return join(this.dir, `${assertBeadId(id)}.json`);
  }

  convoyPath(id: string): string {
    return join(this.convoysDir, `${assertBeadId(id, 'convoy')}.json`);
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /** Reads every bead file through the scan cache, collecting problems instead of stopping at the first. */
  scan(): Promise<ScanResult> {
    return scanBeads(this.dir);
  }

  /** All beads; any unreadable file is an error naming it (and the file is left untouched). */
  async list(): Promise<Bead[]> {
    const { beads, problems } = await this.scan();
    if (problems.length) throw new GthError(problems.map((p) => p.message).join('\n'));
    return parseBeads(beads);
  }

  async get(id: string): Promise<Bead> {
    const file = this.beadPath(id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('bead', id, this.dir);
      throw err;
    }
    return parseBeadText(text, file);
  }

  async create(input: NewBead, opts: ChangeOptions = {}): Promise<Bead> {
    if (input.id !== undefined) this.beadPath(input.id);
    return this.locked(async () => {
      const at = this.stamp();
      const id =
        input.id ?? generateId(this.prefix, `${input.title}\n${at}`, (candidate) => existsSync(this.beadPath(candidate)));
      if (input.id && existsSync(this.beadPath(input.id))) throw new UsageError(`bead ${input.id} already exists`);
      const bead = this.validate({
        ...input,
        id,
        status: 'open',
        createdAt: at,
        updatedAt: at,
        history: [{ at, by: opts.by ?? this.actor, from: null, to: 'open', note: opts.note ?? 'created' }],
      });
      await this.persist([{ path: this.beadPath(id), text: serializeBead(bead) }], `bead ${id}: create "${bead.title}"`);
      return bead;
    });
  }

  /** Writes many new beads under one lock and one commit; all are validated before any is written. */
  async createMany(inputs: (NewBead & { id: string })[], opts: ChangeOptions & { message?: string } = {}): Promise<Bead[]> {
    const badIds = inputs.filter((i) => !isBeadId(i.id)).map((i) => `bead id ${JSON.stringify(i.id)} is invalid: expected ${BEAD_ID_FORM}`);
    if (badIds.length) throw new UsageError(`nothing written; ${badIds.length} problem(s):\n${badIds.join('\n')}`);
    return this.locked(async () => {
      const at = this.stamp();
      const problems: string[] = [];
      const beads: Bead[] = [];
      for (const input of inputs) {
        if (existsSync(this.beadPath(input.id))) problems.push(`bead ${input.id} already exists`);
        const parsed = Bead.safeParse({
          ...input,
          status: 'open',
          createdAt: at,
          updatedAt: at,
          history: [{ at, by: opts.by ?? this.actor, from: null, to: 'open', note: opts.note ?? 'created' }],
        });
        if (parsed.success) beads.push(parsed.data);
        else problems.push(...parsed.error.issues.map((i) => `bead ${input.id}: ${i.path.join('.')}: ${i.message}`));
      }
      if (problems.length) throw new GthError(`nothing written; ${problems.length} problem(s):\n${problems.join('\n')}`);
      // A few writes in flight at once: each waits on its own fsync.
      const queue = [...beads];
      await Promise.all(
        Array.from({ length: Math.min(16, queue.length) }, async () => {
          for (let b = queue.shift(); b; b = queue.shift()) await writeFileAtomic(this.beadPath(b.id), serializeBead(b), { syncDir: false });
        }),
      );
      syncDir(this.dir);
      if (!opts.noCommit) {
        const paths = beads.map((b) => this.beadPath(b.id));
        await this.commitOrUndo(paths.map((path) => ({ path, before: null })), opts.message ?? `beads: create ${beads.length}`);
      }
      return beads;
    });
  }

  /**
   * Re-reads the bead under the lock, applies `change`, records a history entry and writes it back.
   * `change` may return `{ to }` to move the status (checked against the allowed transitions).
   */
  async update(
    id: string,
    change: (bead: Bead) => { to?: Status; note?: string; message?: string } | void,
    opts: ChangeOptions = {},
  ): Promise<Bead> {
    this.beadPath(id); // a bad id is refused before the lock (which creates the folder) is taken
    return this.locked(async () => {
      const current = await this.get(id);
      const draft = structuredClone(current);
      const result = change(draft) ?? {};
      const at = this.stamp();
      const from = current.status;
      const to = result.to ?? from;
      if (to !== from) assertTransition(id, from, to);
      draft.status = to;
      draft.updatedAt = at;
      if (to !== from) draft.closedAt = to === 'done' || to === 'cancelled' ? at : null;
      const changed = changedFields(current, draft);
      const note = result.note ?? opts.note ?? (to === from ? `updated ${changed.join(', ')}` : undefined);
      draft.history = [
        ...current.history,
        { at, by: opts.by ?? this.actor, from, to, ...(note ? { note } : {}) },
      ];
      const bead = this.validate(draft);
      const what = to !== from ? `${from} -> ${to}` : `update ${changed.join(', ')}`;
      await this.persist(
        [{ path: this.beadPath(id), text: serializeBead(bead) }],
        result.message ?? `bead ${id}: ${what}${note && to !== from ? ` (${note})` : ''}`,
      );
      return bead;
    });
  }

  transition(id: string, to: Status, opts: ChangeOptions = {}): Promise<Bead> {
    return this.update(id, () => ({ to, note: opts.note }), opts);
  }

  /** Claims a ready bead for one agent (local only; see claimBead for the pushed, multi-runner form). */
  async claimLocal(id: string, assignee: Assignee, opts: ChangeOptions = {}): Promise<Bead> {
    // Healthy beads only: a broken file elsewhere must not stop this claim (a broken blocker counts as waiting).
    const all = new Map((await this.scan()).beads.map(({ bead }) => [bead.id, bead]));
    return this.update(
      id,
      (b) => {
        if (b.status === 'in_progress' && b.assignee?.agent === assignee.agent) return { note: 'claim repeated' };
        if (b.status !== 'open') {
          const holder = b.assignee?.agent ?? null;
          throw new ClaimError(
            b.status === 'in_progress' && holder
              ? `bead ${id} is already claimed by ${holder}`
              : `bead ${id} is ${b.status}, not open: it cannot be claimed`,
            holder,
          );
        }
        const waiting = openBlockers(b, all);
        if (waiting.length) throw new ClaimError(`bead ${id} is not ready: waiting on ${waiting.join(', ')}`, null);
        b.assignee = assignee;
        return { to: 'in_progress', note: `claimed by ${assignee.agent}${assignee.model ? ` (${assignee.model})` : ''}` };
      },
      { by: assignee.agent, ...opts },
    );
  }

  // ---- convoys ----

  async listConvoys(): Promise<Convoy[]> {
    const { convoys, problems } = await this.scanConvoys();
    if (problems.length) throw new GthError(problems.map((p) => p.message).join('\n'));
    return convoys;
  }

  /** Every readable convoy, and a problem for each file that is not one (like scan() for beads). */
  async scanConvoys(): Promise<{ convoys: Convoy[]; problems: ScanResult['problems'] }> {
    let names: string[];
    try {
      names = (await readdir(this.convoysDir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { convoys: [], problems: [] };
      throw err;
    }
    const out: { convoys: Convoy[]; problems: ScanResult['problems'] } = { convoys: [], problems: [] };
    for (const name of names) {
      const file = join(this.convoysDir, name);
      if (!isBeadId(name.slice(0, -'.json'.length))) {
        out.problems.push({ file, message: `${file}: the file name is not a convoy id: expected ${BEAD_ID_FORM}` });
        continue;
      }
      try {
        out.convoys.push(await this.readConvoyFile(file));
      } catch (err) {
        out.problems.push({ file, message: (err as Error).message });
      }
    }
    return out;
  }

  async getConvoy(id: string): Promise<Convoy> {
    const file = this.convoyPath(id);
    if (!existsSync(file)) throw new NotFoundError('convoy', id, this.dir);
    return this.readConvoyFile(file);
  }

  private async readConvoyFile(file: string): Promise<Convoy> {
    return parseConvoyText(await readFile(file, 'utf8'), file);
  }

  async createConvoy(
    input: { id?: string; title: string; epic?: Convoy['epic']; beads?: string[]; branch?: string | null; epicKey?: string | null },
    opts: Pick<ChangeOptions, 'noCommit'> = {},
  ): Promise<Convoy> {
    if (input.id !== undefined) this.convoyPath(input.id);
    return this.locked(async () => {
      const at = this.stamp();
      const id =
        input.id ??
        generateId(this.prefix, `convoy\n${input.title}\n${at}`, (c) => existsSync(this.convoyPath(c)) || existsSync(this.beadPath(c)));
      if (input.id && existsSync(this.convoyPath(input.id))) throw new UsageError(`convoy ${input.id} already exists`);
      const convoy = this.validateConvoy({ ...input, id, createdAt: at, updatedAt: at });
      const members = await this.joinConvoy(id, convoy.beads, at);
      await this.persist(
        [...members, { path: this.convoyPath(id), text: serializeConvoy(convoy) }],
        opts.noCommit ? null : `convoy ${id}: create "${convoy.title}"`,
      );
      return convoy;
    });
  }

  async addToConvoy(id: string, beadIds: string[]): Promise<Convoy> {
    this.convoyPath(id);
    for (const b of beadIds) this.beadPath(b);
    return this.locked(async () => {
      const convoy = await this.getConvoy(id);
      const at = this.stamp();
      const members = await this.joinConvoy(id, beadIds, at);
      const next = this.validateConvoy({ ...convoy, beads: [...new Set([...convoy.beads, ...beadIds])], updatedAt: at });
      await this.persist([...members, { path: this.convoyPath(id), text: serializeConvoy(next) }], `convoy ${id}: add ${beadIds.join(', ')}`);
      return next;
    });
  }

  /** Re-reads the convoy under the lock, applies `change` and writes it back (the lifecycle engine's convoy state). */
  async updateConvoy(id: string, change: (convoy: Convoy) => { message?: string } | void): Promise<Convoy> {
    return this.locked(async () => {
      const draft = structuredClone(await this.getConvoy(id));
      const result = change(draft) ?? {};
      const next = this.validateConvoy({ ...draft, updatedAt: this.stamp() });
      await this.persist([{ path: this.convoyPath(id), text: serializeConvoy(next) }], result.message ?? `convoy ${id}: update`);
      return next;
    });
  }

  private validateConvoy(candidate: unknown): Convoy {
    const parsed = Convoy.safeParse(candidate);
    if (!parsed.success) {
      const id = (candidate as { id?: string }).id ?? '(new convoy)';
      throw new GthError(
        `convoy ${id} would be invalid, nothing written:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`,
      );
    }
    return parsed.data;
  }

  private validate(candidate: unknown): Bead {
    const parsed = Bead.safeParse(candidate);
    if (!parsed.success) {
      const id = (candidate as { id?: string }).id ?? '(new bead)';
      throw new GthError(
        `bead ${id} would be invalid, nothing written:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`,
      );
    }
    return parsed.data;
  }

  /**
   * The bead files that must change for these beads to belong to convoy `id` (each bead's `convoy` set,
   * with a history note). Refuses a missing bead, or one that already belongs to another convoy. Call under the lock.
   */
  private async joinConvoy(id: string, beadIds: readonly string[], at: string): Promise<Write[]> {
    const writes: Write[] = [];
    for (const beadId of new Set(beadIds)) {
      const bead = await this.get(beadId);
      if (bead.convoy === id) continue;
      if (bead.convoy !== null) throw new UsageError(`bead ${beadId} already belongs to convoy ${bead.convoy}; a bead is in one convoy at most`);
      const next = this.validate({
        ...bead,
        convoy: id,
        updatedAt: at,
        history: [...bead.history, { at, by: this.actor, from: bead.status, to: bead.status, note: `added to convoy ${id}` }],
      });
      writes.push({ path: this.beadPath(beadId), text: serializeBead(next) });
    }
    return writes;
  }

  /** Writes the files atomically and commits them together (message null: the caller commits). */
  private async persist(writes: Write[], message: string | null): Promise<void> {
    const done: { path: string; before: string | null }[] = [];
    try {
      for (const w of writes) {
        done.push({ path: w.path, before: textOrNull(w.path) });
        await writeFileAtomic(w.path, w.text);
      }
    } catch (err) {
      await restore(done);
      throw err;
    }
    if (message !== null) await this.commitOrUndo(done, message);
  }

  /**
   * Commits the written files; when the commit fails, puts every file back as it was (or removes it) and
   * unstages it, so a failed `--commit` leaves nothing behind and a retry makes no duplicate.
   */
  private async commitOrUndo(files: { path: string; before: string | null }[], message: string): Promise<void> {
    if (!this.commit) return;
    const root = dirname(this.dir);
    const paths = files.map((f) => relative(root, f.path));
    try {
      await this.git.commitPaths(paths, message);
    } catch (err) {
      await restore(files);
      await this.git.unstage(paths).catch(() => undefined);
      throw err;
    }
  }
}

interface Write {
  path: string;
  text: string;
}

function textOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function restore(files: readonly { path: string; before: string | null }[]): Promise<void> {
  for (const f of [...files].reverse()) {
    if (f.before === null) await rm(f.path, { force: true });
    else await writeFileAtomic(f.path, f.before);
  }
}

/** Top-level fields whose JSON differs (history and timestamps excluded). */
export function changedFields(a: Bead, b: Bead): string[] {
  const skip = new Set(['history', 'updatedAt']);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter(
    (k) => !skip.has(k) && JSON.stringify((a as Record<string, unknown>)[k]) !== JSON.stringify((b as Record<string, unknown>)[k]),
  );
}
