// `gth bead list/ready` as processes: once the scan cache holds every file, they load neither zod nor the store,
// print what a full read prints, and an edit by hand still shows at once.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { BeadStore } from '../../../src/beads/store.js';
import { RACY_MS } from '../../../src/beads/scan.js';
import { GTH_MAIN, TSX_LOADER } from '../../support/cli.js';
import { tempDir, initRepo } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('gth-readpath-'));
  await initRepo(root);
});
afterEach(() => cleanup());

// A resolve hook that appends every module URL the process loads to the file named in its data.
const HOOKS = `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + '\\n');
  return r;
}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { file: process.env.GTH_TEST_MODULE_LOG } });`,
)}`;

/** Runs gth with the module log on; returns stdout and the modules it loaded. */
async function gthLogged(args: string[], n: number): Promise<{ stdout: string; modules: string[] }> {
  const log = join(root, `modules-${n}.log`);
  await writeFile(log, '');
  const r = await execa(process.execPath, ['--import', TSX_LOADER, '--import', REGISTER, GTH_MAIN, ...args], {
    cwd: root,
    reject: false,
    env: { GTH_TEST_MODULE_LOG: log, GTH_LOG_LEVEL: 'silent' },
  });
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return { stdout: String(r.stdout), modules: (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
}

const loadsZod = (modules: string[]) => modules.some((m) => m.includes('/node_modules/zod/'));

describe('the bead read path', () => {
  it('serves list and ready from the index without zod, and reads an edited file again', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'rp' });
    const a = await store.create({ title: 'A', priority: 1 });
    const b = await store.create({ title: 'B', priority: 0, dependencies: [{ id: a.id, kind: 'blocks' }] });
    const c = await store.create({ title: 'C', priority: 3 });
    await sleep(RACY_MS + 100); // older than the racy window, so the first scan may keep them

    const first = await gthLogged(['bead', 'list', '--json'], 1); // reads and validates every file, fills the index
    expect(loadsZod(first.modules)).toBe(true);
    expect(JSON.parse(first.stdout)).toEqual(await store.list().then((all) => all.sort((x, y) => x.createdAt.localeCompare(y.createdAt) || x.id.localeCompare(y.id))));

    const list = await gthLogged(['bead', 'list', '--json'], 2);
    expect(list.stdout).toBe(first.stdout);
    const ready = await gthLogged(['bead', 'ready', '--json'], 3);
    expect((JSON.parse(ready.stdout) as { title: string }[]).map((x) => x.title)).toEqual(['A', 'C']);
    for (const run of [list, ready]) {
      expect(loadsZod(run.modules), run.modules.join('\n')).toBe(false);
      expect(run.modules.some((m) => /beads\/(store|serialize|schema)\.ts$/.test(m))).toBe(false);
    }

    // Done by hand: B's blocker is finished, which only a fresh read of A's file can tell.
    const fileA = join(root, 'beads', `${a.id}.json`);
    await writeFile(fileA, (await readFile(fileA, 'utf8')).replace('"status": "open"', '"status": "done"'));
    const after = await gthLogged(['bead', 'ready', '--json'], 4);
    expect(loadsZod(after.modules)).toBe(true);
    expect((JSON.parse(after.stdout) as { id: string }[]).map((x) => x.id)).toEqual([b.id, c.id]);
  }, 120_000);
});
