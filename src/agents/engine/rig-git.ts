// The narrow git interface the engine uses on rigs: convoy branches, polecat worktrees, commits, pushes.
import { simpleGit, type SimpleGit } from 'simple-git';
import { existsSync } from 'node:fs';
import { rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GthError } from '../../util/errors.js';

export class RigGitError extends GthError {}

export interface RigGit {
  isRepo(): Promise<boolean>;
  /** Makes the rig folder a new repository whose first branch is `branch` (nothing committed yet). */
  init(branch: string): Promise<void>;
  /** Creates a bare repository at `path`, names it the rig's `origin` and pushes `branch` there (throw-away rigs: eval, tests). */
  createOrigin(path: string, branch: string): Promise<void>;
  head(): Promise<string>;
  branchExists(branch: string): Promise<boolean>;
  /** Creates `branch` at `from` unless it exists (locally or on origin). */
  ensureBranch(branch: string, from: string): Promise<void>;
  /** A fresh worktree at `path` on `branch`, reset to `base` (or to the branch's own tip when base is null). */
  worktree(path: string, branch: string, base: string | null): Promise<string>;
  removeWorktree(path: string): Promise<void>;
  /** Commits every change in `dir` (a worktree); false when there was nothing to commit. */
  commitAll(dir: string, message: string, author?: string): Promise<boolean>;
  push(dir: string, branch: string, force?: boolean): Promise<void>;
  /** Merges `source` into the branch checked out in `dir` (no fast-forward, so the PR shape stays visible). */
  merge(dir: string, source: string, message: string): Promise<void>;
  diff(dir: string, base: string): Promise<string>;
  changedFiles(dir: string, base: string): Promise<string[]>;
  hasRemote(name?: string): Promise<boolean>;
  /** A file's content at a revision, or null when it does not exist there. */
  show(dir: string, rev: string, path: string): Promise<string | null>;
  /** Sets a local config value unless the repository already has a non-empty one (e.g. a commit identity). */
  configDefault(key: string, value: string): Promise<void>;
}

/** A git that shows no progress for this long is killed: a hung remote must not hold a convoy forever. */
export const RIG_GIT_TIMEOUT_MS = 300_000;

export function rigGit(rigDir: string, timeoutMs = RIG_GIT_TIMEOUT_MS): RigGit {
  const at = (dir: string): SimpleGit => simpleGit({ baseDir: dir, timeout: { block: timeoutMs } });
  const main = at(rigDir);
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new RigGitError(`git ${what} failed in ${rigDir}: ${(err as Error).message.trim()}`, { cause: err });
    }
  };
  const api: RigGit = {
    isRepo: async () => existsSync(rigDir) && (await main.checkIsRepo().catch(() => false)),
    init: (branch) =>
      wrap('init', async () => {
        await main.raw(['init', '-q', '-b', branch]);
      }),
    createOrigin: (path, branch) =>
      wrap(`push to a new origin ${path}`, async () => {
        await mkdir(path, { recursive: true });
        await at(path).raw(['init', '-q', '--bare', '-b', branch]);
        await main.raw(['remote', 'add', 'origin', path]);
        await main.raw(['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]);
      }),
    head: () => wrap('rev-parse', async () => (await main.revparse(['--abbrev-ref', 'HEAD'])).trim()),
    branchExists: async (branch) => {
      const out = await main.raw(['branch', '--list', '--all', branch, `origin/${branch}`]).catch(() => '');
      return out.trim() !== '';
    },
    ensureBranch: (branch, from) =>
      wrap('branch', async () => {
        const local = (await main.raw(['branch', '--list', branch])).trim() !== '';
        if (local) return;
        const remote = (await main.raw(['branch', '-r', '--list', `origin/${branch}`])).trim() !== '';
        await main.raw(['branch', branch, remote ? `origin/${branch}` : from]);
      }),
    worktree: (path, branch, base) =>
      wrap('worktree add', async () => {
        await api.removeWorktree(path);
        await mkdir(dirname(path), { recursive: true });
        if (base === null) await main.raw(['worktree', 'add', '-q', path, branch]);
        else await main.raw(['worktree', 'add', '-q', '-B', branch, path, base]);
        return path;
      }),
    removeWorktree: async (path) => {
      if (existsSync(path)) {
        await main.raw(['worktree', 'remove', '--force', path]).catch(() => undefined);
        await rm(path, { recursive: true, force: true });
      }
      await main.raw(['worktree', 'prune']).catch(() => undefined);
    },
    commitAll: (dir, message, author) =>
      wrap('commit', async () => {
        const g = at(dir);
        await g.raw(['add', '-A']);
        if ((await g.raw(['diff', '--cached', '--name-only'])).trim() === '') return false;
        const who = author ? ['-c', `user.name=${author}`, '-c', `user.email=${author.replace(/[^\w.-]/g, '-')}@gastown.local`] : [];
        await g.raw([...who, 'commit', '-q', '--no-verify', '-m', message]);
        return true;
      }),
    push: (dir, branch, force = false) =>
      wrap(`push ${branch}`, async () => {
        await at(dir).raw(['push', '-q', ...(force ? ['--force'] : []), 'origin', `HEAD:refs/heads/${branch}`]);
      }),
    merge: (dir, source, message) =>
      wrap(`merge ${source}`, async () => {
        await at(dir).raw(['-c', 'user.name=gastown-engine', '-c', 'user.email=engine@gastown.local', 'merge', '-q', '--no-ff', '-m', message, source]);
      }),
    diff: (dir, base) => wrap('diff', async () => at(dir).raw(['diff', `${base}...HEAD`])),
    changedFiles: (dir, base) =>
      wrap('diff --name-only', async () => (await at(dir).raw(['diff', '--name-only', `${base}...HEAD`])).split('\n').filter(Boolean)),
    hasRemote: async (name = 'origin') => (await main.getRemotes()).some((r) => r.name === name),
    show: async (dir, rev, path) => at(dir).raw(['show', `${rev}:${path}`]).catch(() => null),
    configDefault: (key, value) =>
      wrap('config', async () => {
        const has = await main.raw(['config', key]).catch(() => '');
        if (!has.trim()) await main.raw(['config', key, value]);
      }),
  };
  return api;
}
