// Which folder is the town: an existing git work tree given by --dir, $GTH_TOWN or the current folder.
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../util/errors.js';

/** The nearest folder at or above `dir` holding `.git` (a folder, or a file in worktrees), or null. */
export function gitWorkTreeOf(dir: string): string | null {
  // A file-system walk, not `git rev-parse`: every bead command pays for this check, and a git process costs more.
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (exists(join(at, '.git'))) return at;
    if (dirname(at) === at) return null;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves the town folder and refuses one that does not exist or is not inside a git work tree, so a
 * typo in --dir creates nothing and `--commit` / `--staged` never meet a folder git does not know.
 */
export function resolveTown(opts: { dir?: string }, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const [given, source] = opts.dir !== undefined ? [opts.dir, '--dir'] : env.GTH_TOWN ? [env.GTH_TOWN, '$GTH_TOWN'] : [cwd, 'the current folder'];
  const dir = resolve(cwd, given);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`${source} ${dir}: no such folder (expected the town: a git work tree holding beads/)`);
  }
  if (!isDir) throw new UsageError(`${source} ${dir}: not a folder (expected the town: a git work tree holding beads/)`);
  if (!gitWorkTreeOf(dir)) {
    throw new UsageError(`${source} ${dir}: not inside a git work tree (expected the town: run git init there first, or pass --dir)`);
  }
  return dir;
}
