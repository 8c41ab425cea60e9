// The pre-commit hook installed by `gth hooks install` refuses a broken bead in a real `git commit`.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { gth } from '../../support/cli.js';
import { tempDir, initRepo, git } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ path: root, cleanup } = await tempDir('gth-hooks-')));
afterEach(() => cleanup());

describe('gth hooks install', () => {
  it('installs an executable pre-commit hook, the merge driver and its attribute line, idempotently', async () => {
    await initRepo(root);
    for (let i = 0; i < 2; i++) expect((await gth(['hooks', 'install'], { cwd: root })).exitCode).toBe(0);
    const hook = join(root, '.git', 'hooks', 'pre-commit');
    expect((await stat(hook)).mode & 0o111).toBeTruthy();
    expect(await readFile(hook, 'utf8')).toContain('beads check --staged');
    expect((await readFile(join(root, '.gitattributes'), 'utf8')).match(/merge=gth-bead/g)).toHaveLength(2);
    expect(await git(root, 'config', 'merge.gth-bead.driver')).toMatch(/beads merge %O %A %B$/);
  });

  it('refuses a commit that would store a broken bead, naming it, and accepts a good one', async () => {
    await initRepo(root);
    expect((await gth(['hooks', 'install'], { cwd: root })).exitCode).toBe(0);
    const id = String((await gth(['bead', 'create', '--title', 'Good bead'], { cwd: root })).stdout).trim();
    await git(root, 'add', '-A');
    const ok = await execa('git', ['commit', '-qm', 'good'], { cwd: root, reject: false });
    expect(ok.exitCode).toBe(0);

    const file = join(root, 'beads', `${id}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status": "open"', '"status": "finished"'));
    await git(root, 'add', '-A');
    const bad = await execa('git', ['commit', '-qm', 'bad'], { cwd: root, reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain(`beads/${id}.json`);
    expect(bad.stderr).toContain('status');
    expect(await git(root, 'log', '--format=%s')).toBe('good');

    // A staged dependency on a bead that does not exist is refused too.
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status": "finished"', '"status": "open"').replace('"dependencies": []', '"dependencies": [{"id": "to-none", "kind": "blocks"}]'));
    await git(root, 'add', '-A');
    const dangling = await execa('git', ['commit', '-qm', 'dangling'], { cwd: root, reject: false });
    expect(dangling.exitCode).not.toBe(0);
    expect(dangling.stderr).toContain('depends on to-none, which does not exist');
  }, 60_000);

  it('merges two branches that changed one bead through the installed driver, without conflict markers', async () => {
    await initRepo(root);
    expect((await gth(['hooks', 'install'], { cwd: root })).exitCode).toBe(0);
    const id = String((await gth(['bead', 'create', '--title', 'Shared bead'], { cwd: root })).stdout).trim();
    await git(root, 'add', '-A');
    await git(root, 'commit', '-qm', 'base');
    await git(root, 'checkout', '-qb', 'runner-a');
    expect((await gth(['bead', 'update', id, '--priority', '0', '--note', 'urgent'], { cwd: root, env: { GTH_ACTOR: 'a' } })).exitCode).toBe(0);
    await git(root, 'commit', '-qam', 'a: priority');
    await git(root, 'checkout', '-q', 'main');
    expect((await gth(['bead', 'update', id, '--title', 'Shared bead, renamed', '--add-label', 'gameplay'], { cwd: root, env: { GTH_ACTOR: 'b' } })).exitCode).toBe(0);
    await git(root, 'commit', '-qam', 'b: title');
    const merged = await execa('git', ['merge', '--no-edit', 'runner-a'], { cwd: root, reject: false });
    expect(merged.exitCode, merged.stdout + merged.stderr).toBe(0);
    const text = await readFile(join(root, 'beads', `${id}.json`), 'utf8');
    expect(text).not.toMatch(/<<<<<<<|>>>>>>>/);
    const bead = JSON.parse(text);
    expect(bead).toMatchObject({ title: 'Shared bead, renamed', priority: 0, labels: ['gameplay'] });
    expect(bead.history.map((h: { by: string }) => h.by)).toEqual(expect.arrayContaining(['a', 'b']));
  }, 60_000);
});
