// `gth hooks install`: pre-commit bead check, the bead merge driver and the state folder ignored, in the town repo.
import { readFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleGit } from 'simple-git';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { GthError, UsageError } from '../util/errors.js';

const MARK = '# gastown-hybrid';
const ATTR_LINES = ['beads/*.json merge=gth-bead', 'beads/convoys/*.json merge=gth-bead'];
const IGNORE_LINES = ['.gastown-state/', 'beads/.lock.owner*'];
/** A user's own pre-commit hook is moved here and run after ours. */
export const USER_HOOK_SUFFIX = '.user';

/** Node flags whose value is a module to load before the script (tsx's loader, for one). */
const MODULE_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

export interface SelfInvocation {
  execPath: string;
  execArgv: readonly string[];
  /** The script node was started with (process.argv[1]). */
  script: string | undefined;
  cwd: string;
  /** Resolves a bare module specifier the way this gth resolves its own imports (to a file: URL). */
  resolveModule: (specifier: string) => string;
}

const here = (): SelfInvocation => ({
  execPath: process.execPath,
  execArgv: process.execArgv,
  script: process.argv[1],
  cwd: process.cwd(),
  resolveModule: (s) => import.meta.resolve(s),
});

/**
 * The command that re-runs this very gth from any folder and with any PATH: absolute node, absolute
 * script, and loader flags (`--import tsx` from `npm run gth`) resolved to absolute file URLs, because a
 * hook runs in the town, where `tsx` cannot be found.
 */
export function selfCommand(self: SelfInvocation = here()): string {
  const args: string[] = [];
  const argv = self.execArgv.filter((a) => !a.startsWith('--inspect'));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!MODULE_FLAGS.has(flag)) {
      args.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) {
      args.push(arg);
      continue;
    }
    const cjs = flag === '--require' || flag === '-r';
    args.push(flag, cjs ? absoluteRequire(value, self.cwd) : absoluteImport(value, self));
  }
  const script = self.script ? resolve(self.cwd, self.script) : 'gth';
  return [self.execPath, ...args, script].map(shellQuote).join(' ');
}

function absoluteImport(spec: string, self: SelfInvocation): string {
  if (/^(file|data|node):/.test(spec)) return spec;
  if (isAbsolute(spec) || spec.startsWith('.')) return pathToFileURL(resolve(self.cwd, spec)).href;
  return self.resolveModule(spec);
}

function absoluteRequire(spec: string, cwd: string): string {
  if (isAbsolute(spec)) return spec;
  return createRequire(join(cwd, 'noop.js')).resolve(spec);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The hook's text: our check first (a failure stops the commit), then the user's own hook, if any, with exec. */
export function hookScript(gth: string): string {
  return [
    '#!/bin/sh',
    `${MARK}: refuse commits that would store a broken bead, then run the repository's own pre-commit hook`,
    `${gth} beads check --staged --dir "$(git rev-parse --show-toplevel)" || exit $?`,
    `user="$0${USER_HOOK_SUFFIX}"`,
    'if [ -x "$user" ]; then exec "$user" "$@"; fi',
    '',
  ].join('\n');
}

export interface InstallResult {
  hook: string;
  /** Where the user's earlier hook now lives (run after ours), or null when there was none. */
  userHook: string | null;
  attributes: string;
  ignore: string;
  driver: string;
}

export async function installHooks(repoDir: string, gth = selfCommand()): Promise<InstallResult> {
  if (!existsSync(repoDir)) throw new UsageError(`--dir ${repoDir}: no such folder (expected the town's git repository)`);
  // Registering a merge driver is exactly what this command is for, so allow it explicitly.
  const git = simpleGit({ baseDir: repoDir, unsafe: { allowUnsafeMergeDriver: true }, timeout: { block: 30_000 } });
  let root: string;
  try {
    root = (await git.revparse(['--show-toplevel'])).trim();
  } catch (err) {
    throw new UsageError(`${repoDir} is not inside a git work tree: run gth hooks install in the town's repository (or pass --dir)`, { cause: err });
  }
  // --git-path honours core.hooksPath and worktrees; it answers relative to repoDir.
  const hooksDir = resolve(repoDir, (await git.revparse(['--git-path', 'hooks'])).trim());
  const hook = join(hooksDir, 'pre-commit');
  const userHook = `${hook}${USER_HOOK_SUFFIX}`;
  const old = existsSync(hook) ? await readFile(hook, 'utf8') : null;
  if (old !== null && !old.includes(MARK)) {
    // Keep the user's hook whole (an `exec` at its end would otherwise hide ours): it runs after ours.
    if (existsSync(userHook)) {
      throw new GthError(`${hook} and ${userHook} both exist and neither is gastown-hybrid's: merge them into ${userHook} and run gth hooks install again`);
    }
    await rename(hook, userHook);
  } else if (old !== null && !existsSync(userHook)) {
    // Earlier versions appended our check to the user's hook: give the user's part its own file.
    const theirs = old.slice(0, old.indexOf(MARK)).trim();
    if (theirs && theirs !== '#!/bin/sh') writeFileAtomicSync(userHook, `${theirs}\n`, { mode: 0o755 });
  }
  writeFileAtomicSync(hook, hookScript(gth), { mode: 0o755 });
  const attributes = await appendMissingLines(join(root, '.gitattributes'), ATTR_LINES);
  const ignore = await appendMissingLines(join(root, '.gitignore'), IGNORE_LINES);
  const driver = `${gth} beads merge %O %A %B`;
  await git.addConfig('merge.gth-bead.name', 'gastown-hybrid bead merge driver');
  await git.addConfig('merge.gth-bead.driver', driver);
  return { hook, userHook: existsSync(userHook) ? userHook : null, attributes, ignore, driver };
}

/** Adds the lines a file lacks at its end (atomically), keeping everything it has. */
async function appendMissingLines(file: string, lines: readonly string[]): Promise<string> {
  const current = existsSync(file) ? await readFile(file, 'utf8') : '';
  const have = new Set(current.split('\n').map((l) => l.trim()));
  const missing = lines.filter((l) => !have.has(l));
  if (missing.length) writeFileAtomicSync(file, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
  return file;
}
