// A plain re-run of `bead list`, `bead ready` or `plan --beads` whose answer is kept is printed before the
// command-line parser loads; any other command line goes to the parser, which judges it as always.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { BeadStore } from '../../../src/beads/store.js';
import { RACY_MS } from '../../../src/beads/scan.js';
import { VIEWS_DIR } from '../../../src/beads/bead-views.js';
import { GTH_MAIN, TSX_LOADER, gth, repoRoot } from '../../support/cli.js';
import { tempDir, initRepo } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
const MARKER = 'kept answer';
const TRACER = join(repoRoot, 'test', 'support', 'import-trace.mjs');

beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('gth-kept-early-'));
  await initRepo(root);
  const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ke', env: {} });
  await store.createMany([
    { id: 'ke-1', title: 'Beat clock', priority: 1 },
    { id: 'ke-2', title: 'Combo meter', dependencies: [{ id: 'ke-1', kind: 'blocks' }] },
  ]);
  await sleep(RACY_MS + 100);
});
afterAll(() => cleanup());

const env = () => ({ GTH_CONFIG: '', GTH_STATE_DIR: join(root, 'state') });
/** Every kept answer's text replaced by MARKER, its heading line(s) kept (a plan keeps its inputs' line too). */
async function tamper(): Promise<void> {
  const views = join(root, '.git', VIEWS_DIR);
  for (const name of await readdir(views)) {
    const file = join(views, name);
    const buf = await readFile(file);
    let end = buf.indexOf(10) + 1;
    if (buf.subarray(0, end).includes('gth plan')) end = buf.indexOf(10, end) + 1;
    await writeFile(file, Buffer.concat([buf.subarray(0, end), Buffer.from(`${MARKER}\n`)]));
  }
}
/** gth through tsx with the modules it loaded (the built copy has no src/ paths to trace by). */
async function traced(args: string[]) {
  // One file for every run, emptied first: a plan's kept answer is keyed by the GTH_* variables it ran with.
  const trace = join(root, 'modules.trace');
  writeFileSync(trace, '');
  const r = await execa(process.execPath, ['--import', TSX_LOADER, '--import', TRACER, GTH_MAIN, ...args], {
    cwd: root, reject: false, env: { ...env(), GTH_LOG_LEVEL: 'silent', GTH_IMPORT_TRACE: trace },
  });
  return { ...r, urls: readFileSync(trace, 'utf8').split('\n').filter(Boolean) };
}
const commander = (urls: string[]): string[] => urls.filter((u) => u.includes('/node_modules/commander/'));

describe('kept answers before the command-line parser', () => {
  it('prints them without loading commander or the command modules; other lines go to the parser', async () => {
    const lines = [['bead', 'list'], ['bead', 'ready', '--json'], ['plan', '--beads', 'beads']];
    // Made by the same code that serves them (tsx's sources, not the test build: the key names the rendering code).
    for (const args of lines) for (let i = 0; i < 2; i++) expect((await traced(args)).exitCode).toBe(0);
    await tamper();
    for (const args of lines) {
      const r = await traced(args);
      expect(String(r.stdout), args.join(' ')).toBe(MARKER);
      expect(commander(r.urls), args.join(' ')).toEqual([]);
      expect(r.urls.some((u) => u.includes('/src/cli/commands/'))).toBe(false);
    }
    // The same answer, but a command line the early look does not read: the command serves it, after the parser.
    const eq = await traced(['bead', 'list', `--dir=${root}`]);
    expect(String(eq.stdout)).toBe(MARKER);
    expect(commander(eq.urls).length).toBeGreaterThan(0);
    // A typo in a flag is the parser's to report, kept answer or not; so is a bad choice and a missing value.
    const typo = await gth(['bead', 'list', '--stauts', 'open'], { cwd: root, env: env() });
    expect(typo.exitCode).toBe(2);
    expect(String(typo.stderr)).toMatch(/unknown option '--stauts'/);
    const choice = await gth(['bead', 'list', '--status', 'opn'], { cwd: root, env: env() });
    expect(choice.exitCode).toBe(2);
    expect(String(choice.stderr)).toMatch(/opn/);
    const bare = await gth(['plan', '--beads'], { cwd: root, env: env() });
    expect(bare.exitCode).toBe(2);
    expect(String(bare.stdout)).not.toContain(MARKER);
    // Help is the parser's too.
    const help = await gth(['bead', 'list', '--help'], { cwd: root, env: env() });
    expect(String(help.stdout)).toMatch(/Usage: gth bead list/);
  });

  it('a town that is not one gets the command\'s error, not a quiet nothing', async () => {
    const r = await gth(['bead', 'list', '--dir', join(root, 'nope')], { cwd: root, env: env() });
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/--dir .*nope: no such folder/);
  });
});
