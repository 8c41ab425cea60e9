// `gth bead list` / `bead ready` answers are kept per bead-index generation: served while no bead file changed,
// never after a change (an in-place edit, a new or deleted file, a broken one).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeadStore } from '../../../src/beads/store.js';
import { RACY_MS } from '../../../src/beads/scan.js';
import { VIEWS_DIR } from '../../../src/beads/bead-views.js';
import { gth } from '../../support/cli.js';
import { tempDir, initRepo } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
let store: BeadStore;
const views = () => join(root, '.git', VIEWS_DIR);
beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('gth-answers-'));
  await initRepo(root);
  store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ac', env: {} });
  await store.createMany([
    { id: 'ac-1', title: 'Beat clock', priority: 1 },
    { id: 'ac-2', title: 'Combo meter', dependencies: [{ id: 'ac-1', kind: 'blocks' }] },
    { id: 'ac-3', title: 'Menu music', priority: 3 },
  ]);
  // Files written in the last RACY_MS are never indexed, so nothing could be cached for them yet.
  await sleep(RACY_MS + 100);
});
afterAll(() => cleanup());

const run = async (args: string[]) => {
  const r = await gth([...args, '--dir', root]);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return String(r.stdout);
};

/** Replaces the text of every saved answer (its first line, the generation and key, kept): a served answer shows it. */
async function tamperAnswers(marker: string): Promise<void> {
  for (const name of await readdir(views())) {
    const file = join(views(), name);
    const buf = await readFile(file);
    await writeFile(file, Buffer.concat([buf.subarray(0, buf.indexOf(10) + 1), Buffer.from(`${marker}\n`)]));
  }
}

describe('answers kept per bead-index generation', () => {
  it('serves an answer while nothing changed, and makes it again after any change to the bead files', async () => {
    await run(['bead', 'list']); // indexes the files
    const list = await run(['bead', 'list']);
    const ready = await run(['bead', 'ready']);
    const readyJson = await run(['bead', 'ready', '--json']);
    expect(list).toMatch(/ac-1 .*Beat clock/);
    expect(ready.split('\n').slice(2, 4).map((l) => l.split(' ')[0])).toEqual(['ac-1', 'ac-3']);
    expect(JSON.parse(readyJson).map((b: { id: string }) => b.id)).toEqual(['ac-1', 'ac-3']);

    // Served from the cache: the tampered text comes back, for each command and options separately.
    await tamperAnswers('served from the cache');
    expect(await run(['bead', 'list'])).toBe('served from the cache');
    expect(await run(['bead', 'ready', '--json'])).toBe('served from the cache');
    // Another option is another answer, made from the beads.
    expect(await run(['bead', 'list', '--status', 'open'])).toBe(list);

    // An edit in place (same file, as an editor saves it): the answer is made again, with the edit.
    const file = join(root, 'beads', 'ac-3.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"Menu music"', '"Menu music, edited"'));
    expect(await run(['bead', 'list'])).toMatch(/ac-3 .*Menu music, edited/);
    // Once the edit is indexed, its answer is kept again, under a new generation.
    await sleep(RACY_MS + 100);
    await run(['bead', 'list']);
    const after = await run(['bead', 'list']);
    expect(after).toMatch(/Menu music, edited/);
    await tamperAnswers('served again');
    expect(await run(['bead', 'list'])).toBe('served again');

    // A deleted bead, then a broken one: never the saved answer.
    await rm(join(root, 'beads', 'ac-1.json'));
    const gone = await run(['bead', 'list']);
    expect(gone).not.toMatch(/served|ac-1/);
    expect(gone).toMatch(/ac-2/);
    await writeFile(file, '{ "id": "ac-3", ');
    const broken = await gth(['bead', 'list', '--dir', root]);
    expect(broken.exitCode).toBe(1);
    expect(String(broken.stdout)).toMatch(/ac-2/);
    expect(String(broken.stdout)).not.toMatch(/served/);
    expect(String(broken.stderr)).toContain('ac-3.json');
  });
});
