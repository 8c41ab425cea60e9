// The bead CLI as a newcomer meets it (issue 16): every refusal is one line, nothing half-written, hooks that work.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFile, writeFile, readdir, mkdir, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { gth, GTH_MAIN, repoRoot } from '../../support/cli.js';
import { tempDir, initRepo, git } from '../../support/git.js';

let root: string;
let town: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('gth-paper-'));
  town = join(root, 'town');
  await initRepo(town);
  await git(town, 'commit', '--allow-empty', '-qm', 'init');
});
afterEach(() => cleanup());

const run = (args: string[], cwd = town) => gth(args, { cwd, env: { GTH_ACTOR: 'tester' } });
const ok = async (args: string[]) => {
  const r = await run(args);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return String(r.stdout).trim();
};
/** A refusal: the exit code, one line on stderr (no stack trace, no git usage text), and that line. */
const refused = async (args: string[], code: number, cwd = town) => {
  const r = await run(args, cwd);
  const err = String(r.stderr).trim();
  expect(r.exitCode, err).toBe(code);
  expect(err.split('\n'), err).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at |ZodError|usage: git/);
  return err;
};

describe('ids from the command line', () => {
  it('refuses a path-like bead or convoy id with exit 2, naming the id and the form, and writes nothing', async () => {
    const evil = join(root, 'evil.json');
    const id = await ok(['bead', 'create', '--title', 'real']);
    const text = (await readFile(join(town, 'beads', `${id}.json`), 'utf8')).replace(id, 'ab-evil');
    await writeFile(evil, text);
    const err = await refused(['bead', 'update', '../../evil', '--title', 'hacked'], 2);
    expect(err).toContain('bead id "../../evil" is invalid: expected <prefix>-<base36>');
    expect(await readFile(evil, 'utf8')).toBe(text);
    expect(await refused(['convoy', 'show', '../x'], 2)).toContain('convoy id "../x" is invalid');
    expect(await refused(['bead', 'create', '--title', 't', '--dep', '../y'], 2)).toContain('--dep bead id "../y" is invalid');
  }, 60_000);
});

describe('gth hooks install', () => {
  it('writes hooks that work from the town with a bare PATH when gth runs as `node --import tsx src/...`, before the user hook', async () => {
    // The user's own hook ends in exec: appended after it, ours would never run.
    const hooks = join(town, '.git', 'hooks');
    await mkdir(hooks, { recursive: true });
    await writeFile(join(hooks, 'pre-commit'), `#!/bin/sh\necho user-hook-ran >> "${join(root, 'user.log')}"\nexec true\n`);
    await chmod(join(hooks, 'pre-commit'), 0o755);
    // Exactly what `npm run gth -- hooks install --dir TOWN` starts: a bare `tsx` resolved from the project.
    const install = await execa(process.execPath, ['--import', 'tsx', GTH_MAIN, 'hooks', 'install', '--dir', town], {
      cwd: repoRoot,
      reject: false,
      env: { GTH_LOG_LEVEL: 'silent' },
    });
    expect(install.exitCode, String(install.stderr)).toBe(0);
    expect(await readFile(join(town, '.gitignore'), 'utf8')).toContain('.gastown-state/');
    expect(await readFile(join(hooks, 'pre-commit.user'), 'utf8')).toContain('exec true');

    const bare = { PATH: '/usr/bin:/bin', HOME: root, GIT_CONFIG_NOSYSTEM: '1' };
    const commit = (msg: string) => execa('git', ['commit', '-qm', msg], { cwd: town, reject: false, env: bare, extendEnv: false });
    const id = await ok(['bead', 'create', '--title', 'Good bead']);
    await git(town, 'add', '-A');
    const good = await commit('good');
    expect(good.exitCode, String(good.stderr)).toBe(0);
    expect(await readFile(join(root, 'user.log'), 'utf8')).toBe('user-hook-ran\n');

    const file = join(town, 'beads', `${id}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status": "open"', '"status": "opn"'));
    await git(town, 'add', '-A');
    const bad = await commit('bad');
    expect(bad.exitCode).not.toBe(0);
    expect(String(bad.stderr)).toContain(`beads/${id}.json`);
    expect(String(bad.stderr)).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(await readFile(join(root, 'user.log'), 'utf8')).toBe('user-hook-ran\n'); // ours refused first

    // Installing again keeps one copy of our check and the user's hook.
    expect((await run(['hooks', 'install'])).exitCode).toBe(0);
    expect(await readFile(join(hooks, 'pre-commit.user'), 'utf8')).toContain('user-hook-ran');
    expect((await readFile(join(town, '.gitignore'), 'utf8')).match(/\.gastown-state\//g)).toHaveLength(1);
  }, 90_000);

  it('answers in one line outside a git repository', async () => {
    const plain = join(root, 'plain');
    await mkdir(plain);
    expect(await refused(['hooks', 'install'], 2, plain)).toContain('not inside a git work tree');
    expect(await refused(['beads', 'check', '--staged'], 2, plain)).toContain('not inside a git work tree');
    expect(await readdir(plain)).toEqual([]);
  }, 60_000);
});

describe('--dir and --commit leave nothing behind on failure', () => {
  it('refuses a --dir that does not exist or is not a git work tree, creating nothing', async () => {
    const missing = join(root, 'nonexistent', 'dir');
    expect(await refused(['bead', 'create', '--title', 'x', '--dir', missing], 2)).toContain(`--dir ${missing}: no such folder`);
    expect(existsSync(join(root, 'nonexistent'))).toBe(false);
    const plain = join(root, 'plain');
    await mkdir(plain);
    expect(await refused(['bead', 'create', '--title', 'x', '--commit', '--dir', plain], 2)).toContain('not inside a git work tree');
    expect(await readdir(plain)).toEqual([]);
  }, 60_000);

  it('a failed commit removes the bead it wrote, so a retry makes no duplicate', async () => {
    // No identity anywhere and useConfigOnly: git refuses to commit.
    await git(town, 'config', '--unset', 'user.name');
    await git(town, 'config', '--unset', 'user.email');
    await git(town, 'config', 'user.useConfigOnly', 'true');
    const r = await gth(['bead', 'create', '--title', 'x', '--commit'], { cwd: town, env: { HOME: root, GIT_CONFIG_NOSYSTEM: '1', EMAIL: '' } });
    expect(r.exitCode, String(r.stderr)).toBe(1);
    expect(await readdir(join(town, 'beads')).then((n) => n.filter((f) => f.endsWith('.json')))).toEqual([]);
    expect(await git(town, 'status', '--porcelain')).toBe('');
  }, 60_000);
});

describe('convoys', () => {
  it('convoy create --bead sets each bead\'s convoy, and refuses a bead that is in another convoy', async () => {
    const a = await ok(['bead', 'create', '--title', 'A']);
    const b = await ok(['bead', 'create', '--title', 'B']);
    const c = await ok(['convoy', 'create', '--title', 'C', '--bead', a, '--bead', b]);
    const listed = JSON.parse(await ok(['bead', 'list', '--convoy', c, '--json'])) as { id: string; history: { note?: string }[] }[];
    expect(listed.map((x) => x.id).sort()).toEqual([a, b].sort());
    expect(listed[0]!.history.at(-1)?.note).toBe(`added to convoy ${c}`);
    expect(await refused(['convoy', 'create', '--title', 'D', '--bead', a], 2)).toContain(`bead ${a} already belongs to convoy ${c}`);
    expect(JSON.parse(await ok(['convoy', 'list', '--json']))).toHaveLength(1);
    expect(await refused(['convoy', 'create', '--title', ''], 2)).toContain('--title: title must not be empty');
  }, 90_000);
});

describe('a hand-broken bead file', () => {
  it('read commands list every healthy bead and report the broken file with line and field; other writes go through', async () => {
    const good = await ok(['bead', 'create', '--title', 'Healthy']);
    const broken = await ok(['bead', 'create', '--title', 'Broken']);
    await ok(['convoy', 'create', '--title', 'C', '--bead', good]);
    const file = join(town, 'beads', `${broken}.json`);
    const text = (await readFile(file, 'utf8')).replace('"status": "open"', '"status": "opn"');
    await writeFile(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('"opn"')) + 1;
    for (const cmd of [['bead', 'list'], ['bead', 'ready'], ['convoy', 'list']]) {
      const r = await run([...cmd, '--json']);
      expect(r.exitCode, cmd.join(' ')).toBe(1);
      expect(String(r.stderr)).toContain(`${file}:${line}: status:`);
      expect(String(r.stderr)).not.toContain('convoy');
      if (cmd[0] === 'bead') expect(JSON.parse(String(r.stdout)).map((x: { id: string }) => x.id)).toEqual([good]);
    }
    const created = await run(['bead', 'create', '--title', 'Still possible']);
    expect(created.exitCode, String(created.stderr)).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(text);
  }, 90_000);
});

describe('bd import of a partial export', () => {
  it('reports the dependencies on beads it did not get, and check treats them as external warnings', async () => {
    const at = '2026-01-01T00:00:00Z';
    const line = (id: string, deps: string[]) =>
      JSON.stringify({ id, title: id, status: 'open', priority: 2, issue_type: 'task', created_at: at, updated_at: at,
        dependencies: deps.map((d) => ({ issue_id: id, depends_on_id: d, type: 'blocks', created_at: at, created_by: 'x' })) });
    const file = join(root, 'partial.jsonl');
    await writeFile(file, `${line('gt-a1', ['gt-b2'])}\n${line('gt-b2', [])}\n${line('gt-c3', ['gt-zz9', 'gt-yy8'])}\n`);
    const imported = await run(['beads', 'import', file]);
    expect(imported.exitCode, String(imported.stderr)).toBe(0);
    expect(String(imported.stderr)).toContain('2 dependencies name beads not in this export');
    expect(String(imported.stderr)).toContain('gt-c3 -> gt-zz9');
    const check = await run(['beads', 'check']);
    expect(check.exitCode, String(check.stderr)).toBe(0);
    expect(String(check.stderr)).toContain('gt-c3 (imported from bd) depends on gt-zz9, which was never imported: treated as external');
  }, 60_000);
});

describe('titles and repeatable values', () => {
  it('trims titles, refuses blank, multi-line or oversized ones and empty --accept/--label/--file values', async () => {
    const b = JSON.parse(await ok(['bead', 'create', '--title', '  Spaced  ', '--json']));
    expect(b.title).toBe('Spaced');
    expect(await refused(['bead', 'create', '--title', '   '], 2)).toContain('--title: title must not be empty');
    expect(await refused(['bead', 'create', '--title', 'x'.repeat(130_000)], 2)).toContain('at most 200 characters');
    expect(await refused(['bead', 'create', '--title', 'two\nlines'], 2)).toContain('single line');
    expect(await refused(['bead', 'update', b.id, '--title', ' '], 2)).toContain('--title');
    for (const flag of ['--accept', '--label', '--file']) {
      expect(await refused(['bead', 'create', '--title', 't', flag, ' '], 2)).toContain(`${flag} must not be empty`);
    }
    expect(await refused(['bead', 'create', '--title', 't', '--file', '../x.gd'], 2)).toContain('--file "../x.gd"');
    expect(JSON.parse(await ok(['bead', 'list', '--json']))).toHaveLength(1);
  }, 90_000);
});
