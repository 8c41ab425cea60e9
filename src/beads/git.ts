// The one narrow interface through which bead code touches git (simple-git underneath).
import type { SimpleGit } from 'simple-git';
import { GthError } from '../util/errors.js';

export class GitError extends GthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitError';
  }
}

export interface TownGit {
  /** Absolute path of the repository's top level. */
  root(): Promise<string>;
  /** Stages exactly these paths (including deletions) and commits them; no-op when nothing changed. */
  commitPaths(paths: string[], message: string): Promise<boolean>;
  currentBranch(): Promise<string>;
  /** Fetches and rebases local commits onto the remote branch. */
  pullRebase(remote: string, branch: string): Promise<void>;
  /** Pushes; resolves `rejected` when the remote moved (non-fast-forward), throws on other failures. */
  push(remote: string, branch: string): Promise<'ok' | 'rejected'>;
  /** Drops the last commit and puts the given paths back as they were before it; other work is kept. */
  undoLastCommit(paths: string[]): Promise<void>;
  /** Contents of a path as staged in the index, or null if not staged. */
  stagedFile(path: string): Promise<string | null>;
  stagedPaths(pathspec: string): Promise<string[]>;
  /** Takes these paths out of the index again (after a failed commit). */
  unstage(paths: string[]): Promise<void>;
}

export function townGit(dir: string): TownGit {
  // simple-git is loaded on first use: read commands (`gth bead list`) never touch git and should not pay for it.
  let instance: Promise<SimpleGit> | undefined;
  const load = (): Promise<SimpleGit> => (instance ??= import('simple-git').then(({ simpleGit }) => simpleGit({ baseDir: dir })));
  const git = {
    raw: async (args: string[]): Promise<string> => (await load()).raw(args),
    revparse: async (args: string[]): Promise<string> => (await load()).revparse(args),
  };
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new GitError(`git ${what} failed in ${dir}: ${(err as Error).message.trim()}`, { cause: err });
    }
  };
  return {
    root: () => wrap('rev-parse', async () => (await git.revparse(['--show-toplevel'])).trim()),
    commitPaths: (paths, message) =>
      wrap('commit', async () => {
        await git.raw(['add', '-A', '--', ...paths]);
        const staged = await git.raw(['diff', '--cached', '--name-only', '--', ...paths]);
        if (!staged.trim()) return false;
        await git.raw(['commit', '-q', '--no-verify', '-m', message, '--', ...paths]);
        return true;
      }),
    currentBranch: () => wrap('branch', async () => (await git.revparse(['--abbrev-ref', 'HEAD'])).trim()),
    pullRebase: (remote, branch) =>
      wrap('pull --rebase', async () => {
        await git.raw(['pull', '-q', '--rebase', '--autostash', remote, branch]);
      }),
    push: async (remote, branch) => {
      try {
        await git.raw(['push', '-q', remote, `HEAD:refs/heads/${branch}`]);
        return 'ok';
      } catch (err) {
        const msg = (err as Error).message;
        if (/\[rejected\]|non-fast-forward|fetch first|failed to update ref|cannot lock ref/i.test(msg)) return 'rejected';
        throw new GitError(`git push to ${remote} ${branch} failed in ${dir}: ${msg.trim()}`, { cause: err });
      }
    },
    undoLastCommit: (paths) =>
      wrap('reset', async () => {
        await git.raw(['reset', '-q', '--soft', 'HEAD~1']);
        await git.raw(['checkout', 'HEAD', '--', ...paths]);
      }),
    stagedFile: (path) =>
      wrap('show', async () => {
        try {
          return await git.raw(['show', `:${path}`]);
        } catch {
          return null;
        }
      }),
    stagedPaths: (pathspec) =>
      wrap('diff --cached', async () =>
        (await git.raw(['diff', '--cached', '--name-only', '--diff-filter=ACMR', '--', pathspec]))
          .split('\n')
          .filter(Boolean),
      ),
    unstage: (paths) =>
      wrap('rm --cached', async () => {
        // `git reset` needs a HEAD; `rm --cached` also works before the first commit. Files that HEAD has
        // are then re-added from HEAD so only the failed change leaves the index.
        await git.raw(['rm', '-q', '-r', '--cached', '--ignore-unmatch', '--', ...paths]);
        const tracked = await git.raw(['ls-tree', '-r', '--name-only', 'HEAD', '--', ...paths]).catch(() => '');
        const back = tracked.split('\n').filter(Boolean);
        if (back.length) await git.raw(['reset', '-q', 'HEAD', '--', ...back]);
      }),
  };
}
