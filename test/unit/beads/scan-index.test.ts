// The scan cache (.git/gth-bead-index.json) speeds up reads but never wins over the files themselves.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFile, writeFile, rm, readdir } from 'node:fs/promises';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeadStore } from '../../../src/beads/store.js';
import { INDEX_NAME, BeadIndex } from '../../../src/beads/scan-index.js';
import { scanBeads, beadsJson, parseBeads, RACY_MS } from '../../../src/beads/scan.js';
import { parseBeadText } from '../../../src/beads/serialize.js';
import { beadTextKey } from '../../../src/beads/text.js';
import { tempDir, initRepo } from '../../support/git.js';

let root: string;
let beadsDir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('gth-index-'));
  await initRepo(root);
  beadsDir = join(root, 'beads');
});
afterEach(() => cleanup());

/** A scan long after the last write: every entry is old enough to be trusted, so only the stamps can save a stale one. */
const later = { now: () => Date.now() + 10 * RACY_MS };
const indexed = () => [...BeadIndex.read(join(root, '.git')).names()].sort();
const titles = async () => (await scanBeads(beadsDir, later)).beads.map((b) => b.summary.title).sort();

/** Rewrites the cached title of `id` inside the index (same stamps), to tell a cache hit from a read of the file. */
async function tamperIndexTitle(id: string, title: string): Promise<void> {
  const path = join(root, '.git', INDEX_NAME);
  const buf = await readFile(path);
  const eol = buf.indexOf(10);
  const head = JSON.parse(buf.toString('utf8', 0, eol)) as { summaryBytes: number };
  const summaries = JSON.parse(buf.toString('utf8', eol + 1, eol + 1 + head.summaryBytes)) as { id: string; title: string }[];
  summaries.find((s) => s.id === id)!.title = title;
  const line = Buffer.from(`${JSON.stringify(summaries)}\n`);
  const blob = buf.subarray(eol + 1 + head.summaryBytes);
  await writeFile(path, Buffer.concat([Buffer.from(`${JSON.stringify({ ...head, summaryBytes: line.length })}\n`), line, blob]));
}

describe('bead scan index', () => {
  it('serves files whose stamps are unchanged from the index, without reading them', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    expect(await titles()).toEqual(['A']);
    expect(indexed()).toEqual([`${a.id}.json`]);
    await tamperIndexTitle(a.id, 'from the index');
    expect(await titles()).toEqual(['from the index']);
  });

  it('follows every change to the files: in-place edits, deletions, breakage', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    const b = await store.create({ title: 'B' });
    expect(await titles()).toEqual(['A', 'B']);
    expect(indexed()).toEqual([`${a.id}.json`, `${b.id}.json`].sort());

    // An edit by hand, in place (same inode, another size).
    const fileA = join(beadsDir, `${a.id}.json`);
    await writeFile(fileA, (await readFile(fileA, 'utf8')).replace('"title": "A"', '"title": "A edited by hand"'));
    expect(await titles()).toEqual(['A edited by hand', 'B']);

    // A file broken by hand is reported even though the index held a good copy of it.
    await writeFile(fileA, (await readFile(fileA, 'utf8')).replace('"status": "open"', '"status": "opn"'));
    const scan = await scanBeads(beadsDir, later);
    expect(scan.beads.map((x) => x.bead.id)).toEqual([b.id]);
    expect(scan.problems).toEqual([{ file: fileA, message: expect.stringMatching(/:\d+: status: /) }]);

    await rm(fileA);
    const gone = await scanBeads(beadsDir, later);
    expect(gone.beads.map((x) => x.summary.id)).toEqual([b.id]);
    expect(gone.problems).toEqual([]);
    expect(indexed()).toEqual([`${b.id}.json`]);
  });

  it('re-reads a same-size edit whose mtime was put back (ctime gives it away)', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    const file = join(beadsDir, `${a.id}.json`);
    const old = 1_700_000_000; // whole seconds, so putting the mtime back is exact
    utimesSync(file, old, old);
    expect(await titles()).toEqual(['A']);
    const before = statSync(file);
    await sleep(30); // past the file-time tick, so the ctime of the edit differs
    await writeFile(file, (await readFile(file, 'utf8')).replace('"title": "A"', '"title": "Z"'));
    utimesSync(file, old, old);
    const after = statSync(file);
    // Everything a stamp without ctime would compare is unchanged:
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    expect(after.ctimeMs).not.toBe(before.ctimeMs);
    expect(await titles()).toEqual(['Z']);
  });

  it('does not trust a file changed just before the scan that read it (a same-tick edit would keep every stamp)', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    // Scanned at once, with the real clock: the file is read, listed, but not kept in the index.
    expect((await scanBeads(beadsDir)).beads.map((b) => b.summary.title)).toEqual(['A']);
    expect(indexed()).toEqual([]);
    // The same file scanned later (by the clock) is kept.
    await scanBeads(beadsDir, later);
    expect(indexed()).toEqual([`${a.id}.json`]);
  });

  it('is kept out of the work tree, so nothing new shows in git status', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    await store.create({ title: 'A' });
    await scanBeads(beadsDir, later);
    expect(existsSync(join(root, '.git', INDEX_NAME))).toBe(true);
    expect(await readdir(beadsDir)).toHaveLength(1);
  });

  it('a corrupt or truncated index is ignored and rebuilt', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    const path = join(root, '.git', INDEX_NAME);
    await writeFile(path, '{"version": 4, "ids": ');
    expect(await titles()).toEqual(['A']);
    expect(indexed()).toEqual([`${a.id}.json`]);
    // Cut inside the blob: the ends no longer fit, so nothing of it is used.
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, whole.length - 20));
    expect(BeadIndex.read(join(root, '.git')).size).toBe(0);
    expect((await scanBeads(beadsDir, later)).beads.map((b) => b.bead)).toEqual([await store.get(a.id)]);
  });

  it('gives the same beads and the same JSON from the index as from the files', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const made = [
      await store.create({ title: 'Ünïcode → “quotes” \\ and "escapes"', description: 'line one\nline two\ttab', labels: ['é'] }),
      await store.create({ title: 'B', dependencies: [], acceptance: ['passes'] }),
    ];
    await store.create({ title: 'C', dependencies: [{ id: made[1]!.id, kind: 'blocks' }] });
    const fresh = await scanBeads(beadsDir, later); // read from the files
    const cached = await scanBeads(beadsDir, later); // served by the index
    const fromFiles = await Promise.all(
      (await readdir(beadsDir)).map(async (n) => parseBeadText(await readFile(join(beadsDir, n), 'utf8'), n)),
    );
    const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((x, y) => x.id.localeCompare(y.id));
    for (const scan of [fresh, cached]) {
      // All at once (one parse of the cached bytes, as `gth plan` reads them) and one by one: the same beads.
      expect(byId(parseBeads(scan.beads))).toEqual(byId(fromFiles));
      expect(byId(parseBeads([...scan.beads].reverse()))).toEqual(byId(fromFiles));
      const beads = scan.beads.map((b) => b.bead);
      expect(byId(beads)).toEqual(byId(fromFiles));
      for (const b of scan.beads) {
        expect(b.summary).toEqual({
          id: b.bead.id,
          title: b.bead.title,
          type: b.bead.type,
          role: b.bead.role,
          convoy: b.bead.convoy,
          status: b.bead.status,
          priority: b.bead.priority,
          dependencies: b.bead.dependencies,
          createdAt: b.bead.createdAt,
          tokenEstimate: b.bead.tokenEstimate,
          files: b.bead.files,
          assignee: b.bead.assignee,
          textKey: beadTextKey(b.bead),
        });
      }
      // Whole, reordered, a subset and none: always exactly what JSON.stringify(beads, null, 2) prints.
      const reversed = [...scan.beads].reverse();
      for (const pick of [scan.beads, reversed, reversed.slice(1), [scan.beads[0]!], []]) {
        expect(beadsJson(pick).toString('utf8')).toBe(JSON.stringify(pick.map((b) => b.bead), null, 2));
      }
    }
  });

  it('a summaries-only scan (what list, ready and plan read) agrees with the files, and keeps the index whole when it rewrites it', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const made = [await store.create({ title: 'A', files: ['scripts/a.gd'], tokenEstimate: 900 }), await store.create({ title: 'B' }), await store.create({ title: 'C' })];
    await scanBeads(beadsDir, later); // fills the index
    const summaryOnly = { ...later, bytes: false };
    const light = await scanBeads(beadsDir, summaryOnly);
    expect(light.beads.every((b) => !b.cached)).toBe(true);
    const sorted = <T extends { id: string }>(xs: T[]) => [...xs].sort((x, y) => x.id.localeCompare(y.id));
    expect(sorted(light.beads.map((b) => b.bead))).toEqual(sorted(await Promise.all(made.map((b) => store.get(b.id)))));
    expect(light.beads.find((b) => b.summary.id === made[0]!.id)!.summary).toMatchObject({ files: ['scripts/a.gd'], tokenEstimate: 900 });

    // An edit while only the header is read: the rewritten index must still hold every other bead's bytes.
    const fileB = join(beadsDir, `${made[1]!.id}.json`);
    await writeFile(fileB, (await readFile(fileB, 'utf8')).replace('"title": "B"', '"title": "B by hand"'));
    expect((await scanBeads(beadsDir, summaryOnly)).beads.map((b) => b.summary.title).sort()).toEqual(['A', 'B by hand', 'C']);
    await tamperIndexTitle(made[2]!.id, 'served by the rewritten index');
    const full = await scanBeads(beadsDir, later);
    expect(full.beads.map((b) => b.summary.title).sort()).toEqual(['A', 'B by hand', 'served by the rewritten index']);
    expect(full.beads.every((b) => b.cached)).toBe(true);
    const fromFiles = await Promise.all(full.beads.map((b) => store.get(b.summary.id)));
    expect(beadsJson(full.beads).toString('utf8')).toBe(JSON.stringify(fromFiles, null, 2));
    // Bytes of a summaries-only bead are made from its file when asked for.
    const again = await scanBeads(beadsDir, summaryOnly);
    expect(beadsJson(again.beads).toString('utf8')).toBe(JSON.stringify(again.beads.map((b) => b.bead), null, 2));
  });

  it('gives a generation only while the index holds exactly the files, and a new one after any change', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    expect((await scanBeads(beadsDir)).generation).toBeNull(); // too fresh to be indexed
    const first = (await scanBeads(beadsDir, later)).generation; // indexed now
    expect(first).toEqual(expect.any(String));
    expect((await scanBeads(beadsDir, { ...later, bytes: false })).generation).toBe(first);
    const file = join(beadsDir, `${a.id}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"title": "A"', '"title": "A2"'));
    const second = (await scanBeads(beadsDir, later)).generation;
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    // A broken file: no generation (the answer could not be made from the files alone).
    await writeFile(file, '{');
    expect((await scanBeads(beadsDir, later)).generation).toBeNull();
  });

  it('summaries asked for after another command rewrote the index come from the files', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const made = [];
    // Enough beads that the summaries line is not read with the first one (it is read on first use).
    for (let i = 0; i < 4000; i++) made.push({ id: `ab-${i}`, title: `bead ${i} with a title that takes some room in the summaries line` });
    const beads = await store.createMany(made);
    await scanBeads(beadsDir, later);
    const scan = await scanBeads(beadsDir, { ...later, bytes: false });
    expect(scan.generation).toEqual(expect.any(String));
    // Another command changes a bead and rewrites the index before this one reads its summaries.
    expect(statSync(join(root, '.git', INDEX_NAME)).size).toBeGreaterThan(2 * 1024 * 1024);
    await store.update(beads[0]!.id, (d) => {
      d.priority = 4;
      return {};
    });
    await tamperIndexTitle(beads[1]!.id, 'not what the file says');
    const titles = scan.beads.map((b) => b.summary.title).sort();
    expect(titles).toEqual(beads.map((b) => b.title).sort());
  });

  it('an edit too fresh to index is read from the file without rewriting the index on every scan', async () => {
    const store = new BeadStore({ dir: beadsDir, prefix: 'ab' });
    const a = await store.create({ title: 'A' });
    await store.create({ title: 'B' });
    await scanBeads(beadsDir, later);
    const before = BeadIndex.read(join(root, '.git')).generation;
    const file = join(beadsDir, `${a.id}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"title": "A"', '"title": "A just now"'));
    for (let i = 0; i < 2; i++) {
      const scan = await scanBeads(beadsDir); // the real clock: the edit is inside the racy window
      expect(scan.beads.map((b) => b.summary.title).sort()).toEqual(['A just now', 'B']);
      expect(scan.generation).toBeNull();
      expect(BeadIndex.read(join(root, '.git')).generation).toBe(before);
    }
    // Old enough: now it is indexed, in a new generation.
    const settled = await scanBeads(beadsDir, later);
    expect(settled.generation).not.toBe(before);
    expect(settled.generation).toBe(BeadIndex.read(join(root, '.git')).generation);
  });
});
