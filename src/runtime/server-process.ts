// One llama-server child process: spawn with its log file, wait for /health, drain, stop (SIGTERM then SIGKILL).
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { GthError } from '../util/errors.js';
import { fetchSlots, probeHealth } from './probe.js';
import { describeLaunch, type Launch } from './server-args.js';

export class StartError extends GthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartError';
  }
}

/** The parts of an execa child this class uses (execa's own type depends on the exact options). */
interface Child extends PromiseLike<{ exitCode?: number; signal?: string; failed: boolean; shortMessage?: string }> {
  pid?: number;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Last lines of a log file, for error messages. */
export function tailFile(path: string, lines = 15): string {
  try {
    const size = statSync(path).size;
    const text = readFileSync(path, 'utf8').slice(Math.max(0, size - 64 * 1024));
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export class ServerProcess {
  private child: Child | null = null;
  private exited: Promise<ExitInfo> | null = null;
  private exitInfo: ExitInfo | null = null;
  pid: number | null = null;

  constructor(
    readonly id: string,
    readonly launch: Launch,
    readonly baseUrl: string,
    readonly apiKey: string,
    readonly logPath: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Spawns the process in its own process group (Ctrl-C in the supervisor's terminal must not reach it). */
  spawn(onExit: (info: ExitInfo) => void): void {
    mkdirSync(dirname(this.logPath), { recursive: true });
    const fd = openSync(this.logPath, 'a');
    writeSync(fd, `\n=== ${new Date().toISOString()} gth: starting ${describeLaunch(this.launch)}\n`);
    try {
      const child = execa(this.launch.file, this.launch.args, {
        env: this.env,
        extendEnv: false,
        stdin: 'ignore',
        // The child writes straight into the log file, so it keeps logging if the supervisor dies.
        // (execa's types accept fd numbers only as literals, hence the cast.)
        stdout: fd as 3,
        stderr: fd as 3,
        detached: true,
        cleanup: false,
        reject: false,
      });
      this.child = child as unknown as Child;
    } finally {
      closeSync(fd);
    }
    this.pid = this.child.pid ?? null;
    this.exited = Promise.resolve(this.child).then((r) => {
      const info: ExitInfo = { code: r.exitCode ?? null, signal: r.signal ?? null };
      if (r.failed && r.exitCode === undefined && !r.signal) {
        // Spawn failure (ENOENT, EACCES): record it in the log where the error message will look.
        try {
          const f = openSync(this.logPath, 'a');
          writeSync(f, `gth: could not run ${this.launch.file}: ${r.shortMessage}\n`);
          closeSync(f);
        } catch {
          /* the log is best effort */
        }
      }
      this.exitInfo = info;
      onExit(info);
      return info;
    });
  }

  get running(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  /** Resolves once /health answers 200; throws with the last log lines on exit or timeout (and kills on timeout). */
  async waitReady(timeoutMs: number, pollMs = 200): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'down';
    while (Date.now() < deadline) {
      if (this.exitInfo) {
        const how = this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `exit code ${this.exitInfo.code}`;
        throw new StartError(`llama-server for ${this.id} exited (${how}) before it was ready; last lines of ${this.logPath}:\n${tailFile(this.logPath)}`);
      }
      last = await probeHealth(this.baseUrl, Math.min(3000, pollMs * 10));
      if (last === 'ok') return;
      await sleep(pollMs);
    }
    await this.stop(2000);
    throw new StartError(
      `llama-server for ${this.id} was not ready within ${Math.round(timeoutMs / 1000)}s (/health: ${last}); last lines of ${this.logPath}:\n${tailFile(this.logPath)}`,
    );
  }

  /** Waits until no slot is processing (or the timeout passes); returns whether it drained. */
  async drain(timeoutMs: number, pollMs = 250): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.running) {
      try {
        const slots = await fetchSlots(this.baseUrl, this.apiKey);
        if (!slots.some((s) => s.isProcessing)) return true;
      } catch {
        return !this.running; // no answer: nothing more to wait for
      }
      await sleep(pollMs);
    }
    return !this.running;
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  async stop(graceMs: number): Promise<ExitInfo | null> {
    if (!this.child || !this.exited) return null;
    if (this.exitInfo) return this.exitInfo;
    this.child.kill('SIGTERM');
    const timer = sleep(graceMs).then(() => 'timeout' as const);
    const first = await Promise.race([this.exited, timer]);
    if (first === 'timeout') {
      this.child.kill('SIGKILL');
      return this.exited;
    }
    return first;
  }

  /** Immediate SIGKILL (used when a hung server fails its health checks). */
  kill(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }
}
