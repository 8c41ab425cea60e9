// The scan cache (beads/.index.json) speeds up reads but never wins over the files themselves.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFile, writeFile, rm, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BeadStore } from '../../../src/beads/store.js';
import { INDEX_NAME, readIndex } from '../../../src/beads/scan-index.js';
import { tempDir, initRepo } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('gth-index-'));
  await initRepo(root);
});
afterEach(() => cleanup());

describe('bead scan index', () => {
  it('is built by a scan and follows every change to the files: edits, deletions, breakage', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    const b = await store.create({ title: 'B' });
    expect((await store.list()).map((x) => x.title).sort()).toEqual(['A', 'B']);
    expect(existsSync(join(root, '.git', INDEX_NAME))).toBe(true);
    expect([...readIndex(join(root, '.git')).keys()].sort()).toEqual([`${a.id}.json`, `${b.id}.json`].sort());

    // An edit by hand, in place (same inode): the size or mtime differs, so the file is read again.
    const fileA = join(root, 'beads', `${a.id}.json`);
    await writeFile(fileA, (await readFile(fileA, 'utf8')).replace('"title": "A"', '"title": "A edited by hand"'));
    expect((await store.list()).map((x) => x.title).sort()).toEqual(['A edited by hand', 'B']);

    // A file broken by hand is reported even though the index held a good copy of it.
    await writeFile(fileA, (await readFile(fileA, 'utf8')).replace('"status": "open"', '"status": "opn"'));
    const scan = await store.scan();
    expect(scan.beads.map((x) => x.bead.id)).toEqual([b.id]);
    expect(scan.problems.map((p) => p.message)).toEqual([expect.stringContaining('status')]);

    await rm(fileA);
    expect((await store.list()).map((x) => x.id)).toEqual([b.id]);
  });

  it('is kept out of the work tree, so nothing new shows in git status', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab' });
    await store.create({ title: 'A' });
    await store.list();
    expect(existsSync(join(root, '.git', INDEX_NAME))).toBe(true);
    expect(await readdir(join(root, 'beads'))).toHaveLength(1);
  });

  it('a corrupt index is ignored and rebuilt', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    await writeFile(join(root, '.git', INDEX_NAME), '{"version": 1, "entries": ');
    expect((await store.list()).map((x) => x.id)).toEqual([a.id]);
    expect([...readIndex(join(root, '.git')).keys()]).toEqual([`${a.id}.json`]);
  });
});
