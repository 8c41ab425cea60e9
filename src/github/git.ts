// The app's one way to run git on its own clones and checkouts: every call has a timeout (network calls a longer one) and is killed on expiry.
import { execa } from 'execa';
import { GthError } from '../util/errors.js';

export class GitCallError extends GthError {
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GitCallError';
  }
}

/** Subcommands that talk to a remote: a hung server must not hold the caller (or the repo's queue) forever. */
const NETWORK = new Set(['clone', 'fetch', 'push', 'pull', 'ls-remote']);

export interface GitTimeouts {
  /** Local commands (status, show, worktree, ...). Default 60 s. */
  localMs?: number;
  /** Commands that reach a remote. Default 300 s. */
  networkMs?: number;
}

export interface GitRunnerOptions extends GitTimeouts {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Names the repository in errors ("owner/repo"); paths and stderr stay in the error's cause and detail line. */
  label: string;
}

export interface GitRunner {
  /** stdout (final newline stripped); throws GitCallError naming the command and repository, stderr on a second line. */
  run(args: string[], cwd?: string): Promise<string>;
  /** null instead of an error (e.g. `show` of a path absent at a revision). */
  tryRun(args: string[], cwd?: string): Promise<string | null>;
  /**
   * The contents of many `<rev>:<path>` blobs in one `git cat-file --batch` (one process, not one `git show` each);
   * null for one that is missing or not a file.
   */
  readBlobs(specs: readonly string[], cwd?: string): Promise<(Buffer | null)[]>;
}

export function timeoutFor(args: string[], t: GitTimeouts = {}): number {
  const sub = args.find((a) => !a.startsWith('-'));
  return sub && NETWORK.has(sub) ? (t.networkMs ?? 300_000) : (t.localMs ?? 60_000);
}

export function gitRunner(o: GitRunnerOptions): GitRunner {
  // Never prompt for credentials: a prompt on a server is a hang, not a question.
  const env = { ...o.env, GIT_TERMINAL_PROMPT: '0' };
  async function exec(args: string[], cwd: string, input?: string): Promise<string | Uint8Array> {
    const timeout = timeoutFor(args, o);
    // Its own process group, killed whole on timeout: git's transport helper (git-remote-https) would otherwise keep
    // the pipes open and the call hanging after git itself is gone.
    const child =
      input === undefined
        ? execa('git', args, { cwd, env, detached: true, stripFinalNewline: true })
        : execa('git', args, { cwd, env, detached: true, input, encoding: 'buffer', stripFinalNewline: false });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeout);
    try {
      return (await child).stdout;
    } catch (err) {
      const e = err as { stderr?: string; shortMessage?: string };
      const why = timedOut ? `timed out after ${Math.round(timeout / 1000)} s` : 'failed';
      const detail = (e.stderr || e.shortMessage || String(err)).trim();
      throw new GitCallError(`git ${args[0]} ${why} for ${o.label}\n${detail}`, timedOut, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
  const run = async (args: string[], cwd = o.cwd): Promise<string> => (await exec(args, cwd)) as string;
  const readBlobs = async (specs: readonly string[], cwd = o.cwd): Promise<(Buffer | null)[]> => {
    if (!specs.length) return [];
    if (specs.some((x) => /[\r\n]/.test(x))) throw new GthError(`git cat-file: a revision:path with a line break cannot be asked for (${JSON.stringify(specs.find((x) => /[\r\n]/.test(x)))})`);
    return parseBatch(Buffer.from(await exec(['cat-file', '--batch'], cwd, `${specs.join('\n')}\n`)), specs.length, o.label);
  };
  return { run, tryRun: (args, cwd) => run(args, cwd).catch(() => null), readBlobs };
}

/** `git cat-file --batch` output: per request "<oid> <type> <size>\n<content>\n", or "<request> missing\n". */
function parseBatch(out: Buffer, count: number, label: string): (Buffer | null)[] {
  const blobs: (Buffer | null)[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = out.indexOf(10, at);
    if (eol < 0) throw new GitCallError(`git cat-file answered ${i} of ${count} requests for ${label}`, false);
    const head = out.toString('utf8', at, eol).split(' ');
    at = eol + 1;
    const size = Number(head[2]);
    if (head.length !== 3 || !Number.isInteger(size)) {
      blobs.push(null); // missing, ambiguous, or a request git could not read
      continue;
    }
    blobs.push(head[1] === 'blob' ? out.subarray(at, at + size) : null);
    at += size + 1;
  }
  return blobs;
}
