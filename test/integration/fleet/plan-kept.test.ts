// `gth plan --beads` keeps its printed plan per bead-index generation and serves it only while every other input
// is unchanged: after any change (config, catalog file, --measured file, state folder, models folder, a bead) the
// plan printed is the one planned afresh.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeadStore } from '../../../src/beads/store.js';
import { RACY_MS } from '../../../src/beads/scan.js';
import { VIEWS_DIR } from '../../../src/beads/bead-views.js';
import { gth, repoRoot } from '../../support/cli.js';
import { writeGguf, type GgufValue } from '../../../src/fleet/gguf-writer.js';

const u32 = (value: number): GgufValue => ({ type: 'u32', value });
import { tempDir, initRepo } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
let store: BeadStore;
const views = () => join(root, '.git', VIEWS_DIR);
const state = () => join(root, 'state');
const MARKER = 'a kept plan, served';

beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('gth-plan-kept-'));
  await initRepo(root);
  store = new BeadStore({ dir: join(root, 'beads'), prefix: 'pk', env: {} });
  await store.createMany([
    { id: 'pk-1', title: 'Beat clock', files: ['scripts/beat_clock.gd'] },
    { id: 'pk-2', title: 'Review beat clock', role: 'refinery', tokenEstimate: 30000, dependencies: [{ id: 'pk-1', kind: 'blocks' }] },
    { id: 'pk-3', title: 'Menu music', tokenEstimate: 12000 },
  ]);
  // Files written in the last RACY_MS are never indexed, so no answer could be kept for them yet.
  await sleep(RACY_MS + 100);
});
afterAll(() => cleanup());

const plan = async (args: string[] = []): Promise<string> => {
  const r = await gth(['plan', '--beads', 'beads', ...args], { cwd: root, env: { GTH_CONFIG: '', GTH_STATE_DIR: state() } });
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return String(r.stdout);
};
/** The plan made from the inputs as they are, with nothing kept. */
const fresh = async (args: string[] = []): Promise<string> => {
  await rm(views(), { recursive: true, force: true });
  return plan(args);
};

/** Replaces the printed text of every kept answer (its two heading lines kept): a served answer shows the marker. */
async function tamper(): Promise<void> {
  for (const name of await readdir(views())) {
    const file = join(views(), name);
    const buf = await readFile(file);
    const second = buf.indexOf(10, buf.indexOf(10) + 1);
    await writeFile(file, Buffer.concat([buf.subarray(0, second + 1), Buffer.from(`${MARKER}\n`)]));
  }
}

/** After `change`, the next plan is planned afresh (no marker), equals a plan with nothing kept, and differs from `before` when it should. */
async function replansAfter(change: () => Promise<void>, before: string, args: string[] = [], differs = true): Promise<string> {
  await plan(args);
  await tamper();
  expect(await plan(args)).toBe(MARKER); // kept, while nothing changed
  await change();
  const after = await plan(args);
  expect(after).not.toContain(MARKER);
  expect(after).toBe(await fresh(args));
  if (differs) expect(after).not.toBe(before);
  return after;
}

describe('gth plan keeps its printed plan', () => {
  it('serves it while nothing changed, per flags', async () => {
    const first = await plan();
    expect(first).toMatch(/pk-1/);
    expect(await plan()).toBe(first);
    await tamper();
    expect(await plan()).toBe(MARKER);
    // Other flags are another plan: --json is planned, not the table's text.
    const json = JSON.parse(await plan(['--json'])) as { waves: unknown[] };
    expect(json.waves.length).toBeGreaterThan(0);
  });

  it('plans afresh after a change to the config file, a catalog file, the --measured file, the state or models folder', async () => {
    let before = await fresh();
    // The config: another GPU.
    before = await replansAfter(() => writeFile(join(root, 'gastown.yml'), 'hardware:\n  gpu:\n    vramMiB: 24576\n'), before);
    // A catalog file the config names (the built-in catalog's copy, the 3B coder's prompt speed lower), then an edit of that file alone.
    const builtIn = await readFile(join(repoRoot, 'config', 'catalog.yml'), 'utf8');
    const catalog = (prompt: number) => builtIn.replace(/prompt: 3000\n/, `prompt: ${prompt}\n`);
    expect(catalog(2500)).not.toBe(builtIn);
    await writeFile(join(root, 'catalog.yml'), catalog(2500));
    const withCatalog = await replansAfter(() => writeFile(join(root, 'gastown.yml'), 'hardware:\n  gpu:\n    vramMiB: 24576\ncatalogFile: catalog.yml\n'), before);
    expect(withCatalog).toMatch(/catalog\.yml/);
    before = await replansAfter(() => writeFile(join(root, 'catalog.yml'), catalog(2000)), withCatalog);
    // Measured speeds in the runtime's state folder.
    before = await replansAfter(async () => {
      await mkdir(state(), { recursive: true });
      await writeFile(join(state(), 'measured-speeds.json'), JSON.stringify({ models: { 'Qwen2.5-Coder-3B-Instruct': { gen: 77, prompt: 900, tokens: 5000, device: 'gpu', updatedAt: new Date().toISOString() } } }));
    }, before);
    // The --measured file's contents.
    const measured = join(root, 'measured.json');
    await writeFile(measured, JSON.stringify({ 'Qwen2.5-Coder-3B-Instruct': { gen: 40, prompt: 500 } }));
    const m1 = await plan(['--measured', measured]);
    await replansAfter(() => writeFile(measured, JSON.stringify({ 'Qwen2.5-Coder-3B-Instruct': { gen: 41, prompt: 500 } })), m1, ['--measured', measured]);
    // A new file in the models folder (a GGUF the plan would read a header from) is a change, even unread.
    await replansAfter(async () => {
      await mkdir(join(root, 'models'), { recursive: true });
      await writeFile(join(root, 'models', 'notes.txt'), 'models go here\n');
    }, before, [], false);
    // A GGUF the catalog names by an absolute path outside the models folder, appearing: its header is read.
    const elsewhere = join(root, 'elsewhere', 'coder.gguf');
    await writeFile(join(root, 'catalog.yml'), builtIn.replace('file: Qwen2.5-Coder-3B-Instruct-Q4_K_M.gguf', `file: ${elsewhere}`));
    const named = await replansAfter(() => writeFile(join(root, 'gastown.yml'), 'catalogFile: catalog.yml\n'), before);
    const withHeader = await replansAfter(async () => {
      await mkdir(join(root, 'elsewhere'));
      writeGguf(elsewhere, {
        'general.architecture': { type: 'str', value: 'qwen2' },
        'qwen2.block_count': u32(5), 'qwen2.context_length': u32(4096), 'qwen2.embedding_length': u32(64), 'qwen2.feed_forward_length': u32(256),
        'qwen2.attention.head_count': u32(4), 'qwen2.attention.head_count_kv': u32(2),
        'tokenizer.ggml.tokens': { type: 'str[]', value: ['<a>', '<b>', '<c>', '<d>'] },
      }, [{ name: 'token_embd.weight', dims: [64, 4] }]);
    }, named);
    expect(withHeader).toMatch(/GGUF headers read for Qwen2\.5-Coder-3B-Instruct/);
  });

  it('keeps nothing for a plan that failed, and a broken config is reported, not served around', async () => {
    await plan();
    await tamper();
    await writeFile(join(root, 'gastown.yml'), 'hardware:\n  gpu:\n    vramMiB: -3\n');
    const r = await gth(['plan', '--beads', 'beads'], { cwd: root, env: { GTH_CONFIG: '', GTH_STATE_DIR: state() } });
    expect(r.exitCode).toBe(1);
    expect(String(r.stdout)).not.toContain(MARKER);
    expect(String(r.stderr)).toMatch(/gastown\.yml.*vramMiB/s);
  });

  // Last: an edited bead file is too new to be indexed for RACY_MS, so nothing is kept for a while after.
  it('plans afresh after a bead changes', async () => {
    await rm(join(root, 'gastown.yml'), { force: true });
    const before = await plan();
    await replansAfter(async () => {
      await store.update('pk-3', (b) => {
        b.tokenEstimate = 90000;
      });
    }, before);
  });
});
