// Real git repositories in temp folders: a bare "origin" and clones of it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export async function tempDir(prefix = 'gth-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd });
  return r.stdout;
}

const IDENT = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid'];

/** Creates `<root>/origin.git` (bare, branch main) with one initial commit, and returns a clone factory. */
export async function bareRemote(root: string): Promise<{ url: string; clone: (name: string) => Promise<string> }> {
  const url = join(root, 'origin.git');
  await execa('git', ['init', '-q', '--bare', '-b', 'main', url]);
  const seed = join(root, 'seed');
  await execa('git', ['init', '-q', '-b', 'main', seed]);
  await execa('git', [...IDENT, 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: seed });
  await execa('git', ['push', '-q', url, 'main'], { cwd: seed });
  return {
    url,
    clone: async (name: string) => {
      const dir = join(root, name);
      await execa('git', ['clone', '-q', url, dir]);
      await execa('git', ['config', 'user.name', name], { cwd: dir });
      await execa('git', ['config', 'user.email', `${name}@example.invalid`], { cwd: dir });
      return dir;
    },
  };
}

export async function initRepo(dir: string): Promise<void> {
  await execa('git', ['init', '-q', '-b', 'main', dir]);
  await execa('git', ['config', 'user.name', 'Test'], { cwd: dir });
  await execa('git', ['config', 'user.email', 'test@example.invalid'], { cwd: dir });
}
