import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFile, writeFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BeadStore, NotFoundError } from '../../../src/beads/store.js';
import { generateId, defaultPrefix } from '../../../src/beads/ids.js';
import { tempDir, initRepo, git } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
let tick = 0;
const now = () => new Date(Date.parse('2026-03-01T10:00:00Z') + 1000 * tick++);

beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('gth-store-'));
  tick = 0;
});
afterEach(() => cleanup());

describe('BeadStore', () => {
  it('creates a pretty-printed file per bead with a prefixed short id and a first history entry', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', now, actor: 'mayor' });
    const b = await store.create({ title: 'Add combo counter', role: 'polecat', priority: 1 });
    expect(b.id).toMatch(/^ab-[0-9a-z]{4}$/);
    const text = await readFile(join(root, 'beads', `${b.id}.json`), 'utf8');
    expect(text.startsWith('{\n  "id": ')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text).history).toEqual([{ at: '2026-03-01T10:00:00.000Z', by: 'mayor', from: null, to: 'open', note: 'created' }]);
    expect(await store.get(b.id)).toEqual(b);
  });

  it('appends history on every change and enforces transitions', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', now });
    const b = await store.create({ title: 't' });
    await store.update(b.id, (d) => {
      d.priority = 0;
    }, { by: 'human' });
    await store.transition(b.id, 'in_progress', { by: 'pc-1', note: 'go' });
    await expect(store.transition(b.id, 'cancelled')).rejects.toThrow(/cannot move from in_progress to cancelled/);
    const after = await store.get(b.id);
    expect(after.status).toBe('in_progress');
    expect(after.history.map((h) => [h.by, h.from, h.to, h.note])).toEqual([
      ['human', null, 'open', 'created'],
      ['human', 'open', 'open', 'updated priority'],
      ['pc-1', 'open', 'in_progress', 'go'],
    ]);
    const done = await store.transition(b.id, 'done');
    expect(done.closedAt).toBe(done.updatedAt);
  });

  it('names file, field and problem for a schema-invalid file and never rewrites it', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', now });
    const b = await store.create({ title: 't' });
    const file = join(root, 'beads', `${b.id}.json`);
    const broken = (await readFile(file, 'utf8')).replace('"priority": 2', '"priority": 9');
    await writeFile(file, broken);
    await expect(store.get(b.id)).rejects.toThrow(new RegExp(`${b.id}\\.json:\\d+: priority: .*4`));
    await expect(store.update(b.id, (d) => void (d.title = 'x'))).rejects.toThrow(/priority/);
    await expect(store.list()).rejects.toThrow(/priority/);
    expect(await readFile(file, 'utf8')).toBe(broken);
  });

  it('reports unknown ids clearly', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', now });
    await expect(store.get('ab-none')).rejects.toThrow(NotFoundError);
    await expect(store.get('ab-none')).rejects.toThrow(/unknown bead id "ab-none"/);
  });

  it('createMany validates everything before writing anything', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', now });
    await expect(
      store.createMany([
        { id: 'ab-good', title: 'fine' },
        { id: 'ab-bad', title: '' },
      ]),
    ).rejects.toThrow(/nothing written.*\n.*ab-bad: title/s);
    expect((await readdir(join(root, 'beads'))).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('commits each change with a message naming the bead and the transition', async () => {
    await initRepo(root);
    await git(root, 'commit', '--allow-empty', '-qm', 'init');
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', now, commit: true });
    const b = await store.create({ title: 'Score multiplier' });
    await store.transition(b.id, 'in_progress');
    const log = (await git(root, 'log', '--format=%s')).split('\n');
    expect(log.slice(0, 2)).toEqual([`bead ${b.id}: open -> in_progress`, `bead ${b.id}: create "Score multiplier"`]);
    expect(await git(root, 'status', '--porcelain')).toBe('');
  });

  it('keeps convoys in beads/convoys and refuses unknown members', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', now });
    const b = await store.create({ title: 't' });
    const c = await store.createConvoy({ title: 'Combo epic', epic: { repo: 'o/r', issue: 12 }, beads: [b.id] });
    expect(await store.getConvoy(c.id)).toEqual(c);
    await expect(store.addToConvoy(c.id, ['ab-missing'])).rejects.toThrow(/unknown bead id "ab-missing"/);
    expect((await store.listConvoys()).map((x) => x.id)).toEqual([c.id]);
  });
});

describe('ids', () => {
  it('grows the hash when the short id is taken', () => {
    const taken = new Set<string>();
    const first = generateId('ab', 'seed', () => false);
    taken.add(first);
    // Every 4-character candidate is "taken": the generator must lengthen instead of colliding.
    const longer = generateId('ab', 'seed', (id) => id.length <= 7);
    expect(longer.length).toBeGreaterThan(7);
    expect(longer).toMatch(/^ab-[0-9a-z]+$/);
  });

  it('derives the prefix from the town repo name', () => {
    expect(defaultPrefix('/home/x/aero-beat')).toBe('ab');
    expect(defaultPrefix('/home/x/town')).toBe('to');
    expect(defaultPrefix('/tmp/gastown_hybrid_town')).toBe('ght');
  });

  it('does not collide over many creations', async () => {
    const store = new BeadStore({ dir: join(root, 'b2', 'beads'), prefix: 'zz', now });
    await mkdir(store.dir, { recursive: true });
    const ids = new Set<string>();
    for (let i = 0; i < 60; i++) ids.add((await store.create({ title: `same title` })).id);
    expect(ids.size).toBe(60);
  });
});
