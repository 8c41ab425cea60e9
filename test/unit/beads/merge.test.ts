// Tests for the three-way bead merge and the git merge driver entry point (including a real `git merge`).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bead, Convoy, type BeadInput } from '../../../src/beads/schema.js';
import { compareTimes, mergeBeadFiles, mergeBeads, mergeConvoys, mergeSet, MERGE_ACTOR } from '../../../src/beads/merge.js';
import { parseBeadText, parseConvoyText, serializeBead, serializeConvoy } from '../../../src/beads/serialize.js';

const T0 = '2026-01-01T10:00:00.000Z';
const T1 = '2026-01-01T11:00:00.000Z';
const T2 = '2026-01-01T12:00:00.000Z';
const T3 = '2026-01-01T13:00:00.000Z';

function bead(over: Partial<BeadInput> = {}): Bead {
  return Bead.parse({
    id: 'ab-7k2f',
    title: 'Dash on the beat',
    createdAt: T0,
    updatedAt: T0,
    labels: ['gameplay', 'input'],
    history: [{ at: T0, by: 'mayor', from: null, to: 'open', note: 'created' }],
    ...over,
  });
}

/** A changed copy of `b`, as a store update would make it: new updatedAt and one more history entry. */
function edit(b: Bead, at: string, by: string, change: Partial<Bead>, note = 'edit'): Bead {
  const to = change.status ?? b.status;
  return { ...b, ...change, updatedAt: at, history: [...b.history, { at, by, from: b.status, to, note }] };
}

describe('mergeBeads', () => {
  it('takes each field from the side that changed it (different fields: no conflict)', () => {
    const base = bead();
    const ours = edit(base, T1, 'polecat-1', { title: 'Dash on the beat, with trail' });
    const theirs = edit(base, T2, 'mayor', { priority: 0, description: 'players asked for it' });
    const { merged, conflicts } = mergeBeads(base, ours, theirs);
    expect(conflicts).toEqual([]);
    expect(merged.title).toBe('Dash on the beat, with trail');
    expect(merged.priority).toBe(0);
    expect(merged.description).toBe('players asked for it');
    expect(merged.updatedAt).toBe(T2);
    expect(merged.history.map((h) => h.by)).toEqual(['mayor', 'polecat-1', 'mayor']);
  });

  it('resolves the same field changed on both sides by the later update and records it in history', () => {
    const base = bead();
    const ours = edit(base, T2, 'polecat-1', { title: 'Ours title' });
    const theirs = edit(base, T1, 'crew', { title: 'Theirs title' });
    const { merged, conflicts } = mergeBeads(base, ours, theirs, T3);
    expect(merged.title).toBe('Ours title');
    expect(conflicts).toEqual([`title: ours "Ours title" vs theirs "Theirs title"; kept ours (later update ${T2})`]);
    const last = merged.history.at(-1)!;
    expect(last).toMatchObject({ at: T3, by: MERGE_ACTOR, from: 'open', to: 'open' });
    expect(last.note).toContain('merge conflict on title');
    expect(last.note).toContain('"Ours title"');
    expect(last.note).toContain('"Theirs title"');
    expect(last.note).toContain('kept ours');
    expect(merged.updatedAt).toBe(T3);

    // Swapping the sides (theirs now later) flips the winner.
    const swapped = mergeBeads(base, theirs, ours, T3);
    expect(swapped.merged.title).toBe('Ours title');
    expect(swapped.conflicts[0]).toContain('kept theirs');
  });

  it('does not call equal changes a conflict', () => {
    const base = bead();
    const ours = edit(base, T1, 'a', { title: 'Same' });
    const theirs = edit(base, T2, 'b', { title: 'Same' });
    const { merged, conflicts } = mergeBeads(base, ours, theirs);
    expect(conflicts).toEqual([]);
    expect(merged.title).toBe('Same');
  });

  it('unions histories, dropping identical entries, ordered by time', () => {
    const base = bead();
    const shared = { at: T1, by: 'refinery', from: 'open' as const, to: 'open' as const, note: 'tests written' };
    const ours = { ...base, updatedAt: T3, history: [...base.history, shared, { at: T3, by: 'polecat', from: 'open' as const, to: 'open' as const, note: 'c' }] };
    const theirs = { ...base, updatedAt: T2, history: [...base.history, shared, { at: T2, by: 'crew', from: 'open' as const, to: 'open' as const, note: 'b' }] };
    const { merged } = mergeBeads(base, ours, theirs);
    expect(merged.history.map((h) => h.note)).toEqual(['created', 'tests written', 'b', 'c']);
  });

  it('orders history by real time across offsets and microseconds', () => {
    const base = bead();
    const a = { at: '2026-01-01T11:00:00.000001+01:00', by: 'x', from: null, to: null }; // 10:00:00.000001Z
    const b = { at: '2026-01-01T10:00:00.0000005Z', by: 'y', from: null, to: null };
    const { merged } = mergeBeads(base, { ...base, history: [...base.history, a] }, { ...base, history: [...base.history, b] });
    expect(merged.history.map((h) => h.by)).toEqual(['mayor', 'y', 'x']);
    expect(compareTimes(a.at, b.at)).toBeGreaterThan(0);
  });

  it('merges labels, files, acceptance and dependencies as sets when both sides changed them', () => {
    const base = bead({ labels: ['a', 'b'], files: ['x.gd'], dependencies: [{ id: 'ab-0001', kind: 'blocks' }] });
    const ours = edit(base, T1, 'o', {
      labels: ['a', 'b', 'c'],
      files: ['x.gd', 'y.gd'],
      acceptance: ['dash is 0.2 s'],
      dependencies: [{ id: 'ab-0001', kind: 'blocks' }, { id: 'ab-0002', kind: 'related' }],
    });
    const theirs = edit(base, T2, 't', {
      labels: ['b', 'd'], // removed "a"
      files: [],
      acceptance: ['works with a pad'],
      dependencies: [{ id: 'ab-0003', kind: 'discovered-from' }],
    });
    const { merged, conflicts } = mergeBeads(base, ours, theirs);
    expect(conflicts).toEqual([]);
    // The later side's order leads, then the other side's additions.
    expect(merged.labels).toEqual(['b', 'd', 'c']);
    expect(merged.files).toEqual(['y.gd']);
    expect(merged.acceptance).toEqual(['works with a pad', 'dash is 0.2 s']);
    expect(merged.dependencies).toEqual([{ id: 'ab-0003', kind: 'discovered-from' }, { id: 'ab-0002', kind: 'related' }]);
  });

  it('takes a list changed on one side only as it is (order included)', () => {
    const base = bead({ labels: ['a', 'b'] });
    const ours = edit(base, T1, 'o', { labels: ['b', 'a', 'z'] });
    const theirs = edit(base, T2, 't', { title: 'other' });
    expect(mergeBeads(base, ours, theirs).merged.labels).toEqual(['b', 'a', 'z']);
  });

  it('merges status with its close time from the later update', () => {
    const base = bead({ status: 'in_progress' });
    const ours = edit(base, T1, 'polecat', { status: 'done', closedAt: T1 });
    const theirs = edit(base, T2, 'refinery', { status: 'review' });
    const { merged, conflicts } = mergeBeads(base, ours, theirs);
    expect(merged.status).toBe('review');
    expect(merged.closedAt).toBeNull();
    expect(conflicts[0]).toMatch(/^status: .*"done".*"review".*kept theirs/);
    expect(merged.history.at(-1)).toMatchObject({ from: 'review', to: 'review', by: MERGE_ACTOR });

    // Only one side moved the status: no conflict, the close time comes along.
    const other = edit(base, T2, 'crew', { labels: ['x'] });
    const one = mergeBeads(base, ours, other);
    expect(one.conflicts).toEqual([]);
    expect(one.merged).toMatchObject({ status: 'done', closedAt: T1, labels: ['x'] });
  });

  it('unions attempts by (n, at)', () => {
    const a1 = { n: 1, at: T1, agent: 'polecat-1', model: 'qwen-7b', outcome: 'fail' as const };
    const a2o = { n: 2, at: T2, agent: 'polecat-1', model: 'qwen-7b', outcome: 'pass' as const };
    const a2t = { n: 2, at: T3, agent: 'polecat-2', model: 'qwen-14b', outcome: 'error' as const };
    const base = bead({ attempts: [a1] });
    const ours = edit(base, T2, 'o', { attempts: [a1, a2o] });
    const theirs = edit(base, T3, 't', { attempts: [{ ...a1, note: 'flaky test' }, a2t] });
    const { merged } = mergeBeads(base, ours, theirs);
    expect(merged.attempts).toEqual([{ ...a1, note: 'flaky test' }, a2o, a2t]);
  });

  it('merges bd origin data key by key', () => {
    const base = bead({ bd: { fields: { notes: 'n', created_by: 'joe' }, order: ['id', 'notes'] } });
    const ours = edit(base, T1, 'o', { bd: { fields: { notes: 'n2', created_by: 'joe' }, order: ['id', 'notes'] } });
    const theirs = edit(base, T2, 't', { bd: { fields: { notes: 'n', created_by: 'joe', close_reason: 'done' }, order: ['id', 'notes'] } });
    const { merged, conflicts } = mergeBeads(base, ours, theirs);
    expect(conflicts).toEqual([]);
    expect(merged.bd?.fields).toEqual({ notes: 'n2', created_by: 'joe', close_reason: 'done' });
  });

  it('merges two independent additions of the same bead (no base)', () => {
    const ours = bead({ labels: ['a'], priority: 1, updatedAt: T1 });
    const theirs = bead({ labels: ['b'], priority: 3, updatedAt: T2 });
    const { merged, conflicts } = mergeBeads(null, ours, theirs);
    expect(merged.labels).toEqual(['b', 'a']);
    expect(merged.priority).toBe(3);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatch(/^priority: ours 1 vs theirs 3; kept theirs/);
  });

  it('refuses to merge two different beads', () => {
    expect(() => mergeBeads(null, bead(), bead({ id: 'ab-zzzz' }))).toThrow(/different ids/);
  });

  it('is the identity when one side is unchanged, and agrees whichever side is "ours" (property)', () => {
    const change = fc.record(
      {
        title: fc.constantFrom('A', 'B', 'C'),
        priority: fc.integer({ min: 0, max: 4 }),
        labels: fc.subarray(['a', 'b', 'c', 'd']),
        status: fc.constantFrom('open', 'blocked', 'in_progress'),
        rig: fc.constantFrom('aerobeat', 'tools', null),
      },
      { requiredKeys: [] },
    );
    const base = bead();
    fc.assert(
      fc.property(change, change, fc.constantFrom(T1, T2), fc.constantFrom(T1, T3), (co, ct, ato, att) => {
        const ours = edit(base, ato, 'o', co as Partial<Bead>, 'ours');
        const theirs = edit(base, att, 't', ct as Partial<Bead>, 'theirs');
        expect(mergeBeads(base, ours, base).merged).toEqual(ours);
        expect(mergeBeads(base, ours, ours).merged).toEqual(ours);
        const ab = mergeBeads(base, ours, theirs, T3).merged;
        const ba = mergeBeads(base, theirs, ours, T3).merged;
        const strip = (b: Bead) => ({ ...b, history: b.history.filter((h) => h.by !== MERGE_ACTOR) });
        expect(strip(ab)).toEqual(strip(ba));
        expect(ab.history.filter((h) => h.by === MERGE_ACTOR)).toHaveLength(ba.history.filter((h) => h.by === MERGE_ACTOR).length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('mergeSet', () => {
  it('keeps both sides additions and honours removals', () => {
    expect(mergeSet([1, 2, 3], [1, 2, 3, 4], [2, 3, 5])).toEqual([2, 3, 4, 5]);
    expect(mergeSet(undefined, [1, 2], [2, 3])).toEqual([1, 2, 3]);
    expect(mergeSet(undefined, [1, 2], [2, 3], 'theirs')).toEqual([2, 3, 1]);
  });
});

describe('mergeConvoys', () => {
  it('merges bead lists as sets and other fields three-way', () => {
    const base = Convoy.parse({ id: 'cv-1', title: 'Input', beads: ['ab-1', 'ab-2'], createdAt: T0, updatedAt: T0 });
    const ours = { ...base, beads: ['ab-1', 'ab-2', 'ab-3'], updatedAt: T1 };
    const theirs = { ...base, beads: ['ab-2', 'ab-4'], branch: 'convoy/input', updatedAt: T2 };
    const { merged, conflicts } = mergeConvoys(base, ours, theirs);
    expect(conflicts).toEqual([]);
    expect(merged).toMatchObject({ beads: ['ab-2', 'ab-4', 'ab-3'], branch: 'convoy/input', updatedAt: T2 });
  });
});

describe('mergeBeadFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gth-merge-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function files(base: string, ours: string, theirs: string) {
    const p = { o: join(dir, 'base.json'), a: join(dir, 'ours.json'), b: join(dir, 'theirs.json') };
    await writeFile(p.o, base);
    await writeFile(p.a, ours);
    await writeFile(p.b, theirs);
    return p;
  }

  it('writes the merged bead to the %A path and returns 0', async () => {
    const base = bead();
    const ours = edit(base, T1, 'o', { title: 'Ours' });
    const theirs = edit(base, T2, 't', { priority: 1 });
    const p = await files(serializeBead(base), serializeBead(ours), serializeBead(theirs));
    const logs: string[] = [];
    expect(await mergeBeadFiles(p.o, p.a, p.b, { log: (l) => logs.push(l) })).toBe(0);
    const text = await readFile(p.a, 'utf8');
    expect(text).toBe(serializeBead(mergeBeads(base, ours, theirs).merged));
    expect(parseBeadText(text, p.a)).toMatchObject({ title: 'Ours', priority: 1 });
    expect(logs).toEqual([]);
  });

  it('treats an empty base as "added on both branches" and logs conflicts it resolved', async () => {
    const ours = bead({ title: 'One', updatedAt: T1 });
    const theirs = bead({ title: 'Two', updatedAt: T2 });
    const p = await files('', serializeBead(ours), serializeBead(theirs));
    const logs: string[] = [];
    expect(await mergeBeadFiles(p.o, p.a, p.b, { log: (l) => logs.push(l) })).toBe(0);
    expect(parseBeadText(await readFile(p.a, 'utf8'), p.a).title).toBe('Two');
    expect(logs[0]).toContain('ab-7k2f: title:');
  });

  it.each([
    ['theirs', (good: string) => [good, good, '{"id": "ab-7k2f", "title": ']],
    ['base', (good: string) => ['{ nope', good, good]],
    ['ours (schema)', (good: string) => [good, good.replace('"open"', '"closed"'), good]],
  ])('leaves %A untouched and returns 1 when %s cannot be parsed', async (which, make) => {
    const good = serializeBead(bead());
    const [o, a, b] = make(good) as [string, string, string];
    const p = await files(o, a, b);
    const logs: string[] = [];
    expect(await mergeBeadFiles(p.o, p.a, p.b, { log: (l) => logs.push(l) })).toBe(1);
    expect(await readFile(p.a, 'utf8')).toBe(a);
    expect(logs.join('\n')).toMatch(/cannot merge/);
    expect(which).toBeTruthy();
  });

  it('merges convoy files too', async () => {
    const base = Convoy.parse({ id: 'cv-1', title: 'Input', beads: ['ab-1'], createdAt: T0, updatedAt: T0 });
    const p = await files(
      serializeConvoy(base),
      serializeConvoy({ ...base, beads: ['ab-1', 'ab-2'], updatedAt: T1 }),
      serializeConvoy({ ...base, beads: ['ab-1', 'ab-3'], updatedAt: T2 }),
    );
    expect(await mergeBeadFiles(p.o, p.a, p.b, { log: () => undefined })).toBe(0);
    expect(parseConvoyText(await readFile(p.a, 'utf8'), p.a).beads).toEqual(['ab-1', 'ab-3', 'ab-2']);
  });

  it('works as the merge driver of a real `git merge`: no conflict markers, both changes kept', async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const mergeModule = fileURLToPath(new URL('../../../src/beads/merge.ts', import.meta.url));
    const driver = join(dir, '..', `${dir.split('/').pop()}-driver.mjs`);
    await writeFile(
      driver,
      `import(${JSON.stringify(mergeModule)}).then(async (m) => process.exit(await m.mergeBeadFiles(...process.argv.slice(2, 5))));\n`,
    );
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'T');
    // The temp repo has no node_modules: load tsx by absolute URL.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    git('config', 'merge.gth-bead.driver', `node --import ${tsx} ${driver} %O %A %B`);
    await writeFile(join(dir, '.gitattributes'), 'beads/**/*.json merge=gth-bead\n');
    const file = join(dir, 'beads', 'ab-7k2f.json');
    const base = bead();
    execFileSync('mkdir', ['-p', join(dir, 'beads')]);
    await writeFile(file, serializeBead(base));
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'feature');
    await writeFile(file, serializeBead(edit(base, T2, 'polecat', { title: 'Feature title', labels: ['gameplay', 'input', 'fx'] })));
    git('commit', '-q', '-am', 'feature');
    git('checkout', '-q', 'main');
    await writeFile(file, serializeBead(edit(base, T1, 'mayor', { title: 'Main title', priority: 0 })));
    git('commit', '-q', '-am', 'main');
    try {
      git('merge', '-q', '--no-edit', 'feature');
      const text = await readFile(file, 'utf8');
      expect(text).not.toMatch(/^(<<<<<<<|=======|>>>>>>>)/m);
      const merged = parseBeadText(text, file);
      expect(merged).toMatchObject({ title: 'Feature title', priority: 0, labels: ['gameplay', 'input', 'fx'] });
      expect(merged.history.some((h) => h.note?.includes('merge conflict on title'))).toBe(true);
      expect(git('status', '--porcelain')).toBe('');
    } finally {
      await rm(driver, { force: true });
    }
  }, 30_000);
});
