// Runs one process in its own process group with a wall-clock timeout (the whole group killed) and an output cap.
import { spawn } from 'node:child_process';

export interface ProcessResult {
  exitCode: number | null;
  /** The signal that ended it, e.g. SIGKILL after a timeout. */
  signal: string | null;
  timedOut: boolean;
  /** Set when it could not start at all (e.g. the program does not exist). */
  startError: string | null;
  /** stdout and stderr interleaved; at most `maxOutputBytes`, the end kept (that is where test failures are). */
  output: string;
  /** Bytes dropped from the start of the output to stay under the cap. */
  droppedBytes: number;
  durationMs: number;
}

export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
}

/** Keeps the last `cap` bytes of a stream of chunks. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.cap) {
      const head = this.chunks[0]!;
      const excess = this.size - this.cap;
      if (head.length <= excess) {
        this.chunks.shift();
        this.size -= head.length;
        this.dropped += head.length;
      } else {
        this.chunks[0] = head.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function runProcess(file: string, args: string[], o: ProcessOptions): Promise<ProcessResult> {
  const started = Date.now();
  const out = new TailBuffer(o.maxOutputBytes);
  return new Promise((resolve) => {
    // detached: the child leads a new process group, so a timeout can kill it and every descendant at once. (Under
    // bwrap the pid namespace dies with it too; with `sandbox: none` a descendant that calls setsid() escapes the group.)
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let startError: string | null = null;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, o.timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => out.push(c));
    let done = false;
    const finish = (exitCode: number | null, signal: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Descendants that outlived the leader (a backgrounded grandchild) go with the group too.
      killGroup();
      resolve({ exitCode, signal, timedOut, startError, output: out.toString(), droppedBytes: out.dropped, durationMs: Date.now() - started });
    };
    child.on('error', (err) => {
      startError = err.message;
      if (child.pid === undefined) finish(null, null);
    });
    // A backgrounded grandchild could hold the pipes open forever: the leader's exit ends the run.
    child.on('exit', () => killGroup());
    child.on('close', (code, signal) => finish(code, signal));
  });
}
