// The app's clone of a repository it works on (the town: beads/, plans/, the rig itself), fetched before each use, one user at a time.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { GthError } from '../util/errors.js';
import type { RepoRef } from './events.js';
import { GitCallError, gitRunner, type GitTimeouts } from './git.js';

/** Installation token for git over HTTPS, or null where the remote needs none (local paths in tests, SSH). */
export type TokenSource = () => Promise<string | null>;

export class TownGitError extends GthError {}

export interface TownRepoOptions {
  /** The app's state folder; clones live in <stateDir>/towns/<owner>/<repo>. */
  stateDir: string;
  /** Where a repository is fetched from (default https://github.com/<owner>/<repo>.git). */
  remoteUrl?: (repo: RepoRef) => string;
  /** Commit identity of the app's own commits (the Mayor's plan). */
  identity?: { name: string; email: string };
  env?: NodeJS.ProcessEnv;
  /** Per-call limits for git; a hung fetch is killed, so the repository's queue moves on. */
  timeouts?: GitTimeouts;
  /** Git web base for the default remote URL (GitHub Enterprise: `<proto>://<host>`). */
  gitBaseUrl?: string;
  log?: Pick<Logger, 'warn'>;
}

/**
 * Git config passed through the environment (GIT_CONFIG_COUNT/KEY/VALUE, git 2.31+), so the token never lands in
 * .git/config, in argv (visible in `ps`) or in a remote URL that error messages could echo.
 */
export function authEnv(token: string | null, host = 'https://github.com/'): Record<string, string> {
  if (!token) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${host}.extraheader`, GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}` };
}

export interface TownCheckout {
  dir: string;
  /** The remote's default branch (origin/HEAD), e.g. "main". */
  defaultBranch: string;
  git(args: string[]): Promise<string>;
  /** git that may fail: null instead of an error (e.g. `show` of a path absent at a revision). */
  tryGit(args: string[]): Promise<string | null>;
  /** Many files at once, as `git show <rev>:<path>` would print each (UTF-8), null where absent: one git process. */
  showAll(specs: readonly string[]): Promise<(string | null)[]>;
  /** Work tree reset to `ref` (detached) with every stray file removed: a failed run leaves nothing behind. */
  resetTo(ref: string): Promise<void>;
}

export class TownRepos {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly o: TownRepoOptions) {}

  dir(repo: RepoRef): string {
    return join(this.o.stateDir, 'towns', safe(repo.owner), safe(repo.repo));
  }

  /** Runs `fn` on a freshly fetched clone; calls for the same repository wait for each other. */
  use<T>(repo: RepoRef, token: TokenSource | undefined, fn: (town: TownCheckout) => Promise<T>): Promise<T> {
    const key = `${repo.owner}/${repo.repo}`;
    const run = (this.tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(async () => fn(await this.open(repo, token)));
    this.tails.set(key, run.catch(() => undefined));
    return run;
  }

  private async open(repo: RepoRef, token: TokenSource | undefined): Promise<TownCheckout> {
    const dir = this.dir(repo);
    const web = (this.o.gitBaseUrl ?? 'https://github.com').replace(/\/+$/, '');
    const url = this.o.remoteUrl?.(repo) ?? `${web}/${repo.owner}/${repo.repo}.git`;
    const host = /^https?:\/\//.test(url) ? `${new URL(url).protocol}//${new URL(url).host}/` : null;
    const env = { ...(this.o.env ?? process.env), ...authEnv(host && token ? await token() : null, host ?? undefined) };
    const git = gitRunner({ cwd: dir, env, label: `${repo.owner}/${repo.repo}`, ...this.o.timeouts });
    const run = async (args: string[], cwd = dir): Promise<string> => {
      try {
        return await git.run(args, cwd);
      } catch (err) {
        // The message names the repository only; paths and git's stderr stay in the cause for the log.
        throw new TownGitError((err as Error).message.split('\n')[0]!, { cause: err });
      }
    };
    const fresh = async () => {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dirname(dir), { recursive: true });
      await run(['clone', '-q', '--no-checkout', url, dir], dirname(dir));
      const who = this.o.identity ?? { name: 'gastown-hybrid[bot]', email: 'gastown-hybrid[bot]@users.noreply.github.com' };
      await run(['config', 'user.name', who.name]);
      await run(['config', 'user.email', who.email]);
    };
    if (!existsSync(join(dir, '.git'))) await fresh();
    // Calls on this clone are serialised in this process, so a lock left at this point is from a killed git: stale.
    const lock = join(dir, '.git', 'index.lock');
    if (existsSync(lock)) {
      this.o.log?.warn({ repo: `${repo.owner}/${repo.repo}` }, 'stale .git/index.lock in the app clone (a git process was killed): removed');
      await rm(lock, { force: true });
    }
    try {
      await run(['fetch', '-q', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    } catch (err) {
      // A timeout is the network's fault: say so. Anything else may be a damaged clone: clone it again once.
      if (err instanceof TownGitError && err.cause instanceof GitCallError && err.cause.timedOut) throw err;
      this.o.log?.warn({ err, repo: `${repo.owner}/${repo.repo}` }, 'fetch failed in the app clone: cloning it again');
      await fresh();
      await run(['fetch', '-q', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    }
    // The clone set origin/HEAD; it is asked of the remote again (a round trip) only when it no longer resolves,
    // e.g. after the default branch was renamed and the fetch pruned the old one.
    if ((await run(['rev-parse', '--verify', '--quiet', 'refs/remotes/origin/HEAD']).catch(() => null)) === null) {
      await run(['remote', 'set-head', 'origin', '--auto']).catch(() => '');
    }
    const head = await run(['symbolic-ref', '--short', 'refs/remotes/origin/HEAD']).catch(() => 'origin/main');
    const checkout: TownCheckout = {
      dir,
      defaultBranch: head.replace(/^origin\//, ''),
      git: (args) => run(args),
      tryGit: (args) => run(args).catch(() => null),
      showAll: async (specs) => {
        try {
          return (await git.readBlobs(specs)).map((b) => (b === null ? null : b.toString('utf8')));
        } catch (err) {
          throw new TownGitError((err as Error).message.split('\n')[0]!, { cause: err });
        }
      },
      resetTo: async (ref) => {
        await run(['checkout', '-q', '--force', '--detach', ref]);
        await run(['reset', '-q', '--hard', ref]);
        await run(['clean', '-q', '-fd']);
      },
    };
    return checkout;
  }
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
