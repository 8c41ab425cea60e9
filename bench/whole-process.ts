// Times a command as a whole process, as a user runs it: best wall clock and least CPU time of n runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'cpu-at-exit.mjs');

export interface ProcessTime {
  /** Best wall clock of the runs, ms: on a busy machine the least disturbed run. */
  wallMs: number;
  /** Least CPU time (user + system) of the runs, ms: what the process costs, nearly independent of other load. */
  cpuMs: number;
  /** Every run's wall clock, in order (the first may pay for filling caches). */
  walls: number[];
  cpus: number[];
}

/**
 * Runs `node <args>` n times (output discarded, stderr shown) from `cwd`. The CPU time comes from a preload that
 * writes it at exit, which itself costs some 15-20 ms of start-up on a slow VM; `cpu: false` runs the command
 * bare, as a user does, for wall-clock figures (cpuMs is then NaN).
 */
export function timeNode(args: string[], n: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv; cpu?: boolean } = {}): ProcessTime {
  const cpu = opts.cpu ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'gth-bench-cpu-'));
  const file = join(dir, 'cpu');
  const walls: number[] = [];
  const cpus: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      execFileSync(process.execPath, cpu ? ['--import', PRELOAD, ...args] : args, {
        cwd: opts.cwd,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, GTH_LOG_LEVEL: 'silent', ...opts.env, GTH_BENCH_CPU: file },
      });
      walls.push(performance.now() - t);
      if (cpu) cpus.push(Number(readFileSync(file, 'utf8')) / 1000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { wallMs: Math.min(...walls), cpuMs: cpu ? Math.min(...cpus) : NaN, walls, cpus };
}
