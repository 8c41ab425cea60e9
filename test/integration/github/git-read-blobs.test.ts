// gitRunner.readBlobs: many `<rev>:<path>` files in one `git cat-file --batch`, byte for byte what `git show` prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { gitRunner } from '../../../src/github/git.js';
import { tempDir, initRepo, git } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('gth-read-blobs-'));
  await initRepo(root);
  await mkdir(join(root, 'beads'), { recursive: true });
  await writeFile(join(root, 'beads', 'a.json'), '{ "title": "Ünïcode → “quotes”" }\n');
  await writeFile(join(root, 'beads', 'empty.json'), '');
  // Content that looks like cat-file's own header lines, and no final newline.
  await writeFile(join(root, 'beads', 'tricky.json'), 'deadbeef blob 12\nmissing\n\n\nend');
  await git(root, 'add', '-A');
  await git(root, 'commit', '-qm', 'files');
});
afterAll(() => cleanup());

describe('gitRunner.readBlobs', () => {
  it('reads each file as git show does, null for missing paths and directories, in the order asked', async () => {
    const g = gitRunner({ cwd: root, env: process.env, label: 'o/r' });
    const specs = ['HEAD:beads/tricky.json', 'HEAD:beads/nope.json', 'HEAD:beads/a.json', 'HEAD:beads', 'HEAD:beads/empty.json', 'nobranch:beads/a.json'];
    const got = await g.readBlobs(specs);
    expect(got.map((b) => (b === null ? null : b.toString('utf8')))).toEqual([
      (await execa('git', ['show', 'HEAD:beads/tricky.json'], { cwd: root, stripFinalNewline: false })).stdout,
      null,
      '{ "title": "Ünïcode → “quotes”" }\n',
      null,
      '',
      null,
    ]);
    expect(await g.readBlobs([])).toEqual([]);
    await expect(g.readBlobs(['HEAD:beads/a.json\nHEAD:x'])).rejects.toThrow(/line break/);
  });
});
