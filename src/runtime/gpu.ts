// Reads VRAM use from nvidia-smi (whole GPU and per process); no NVIDIA GPU is reported, not thrown.
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';

export interface GpuReading {
  usedMiB: number;
  totalMiB: number;
  powerW: number | null;
  utilizationPct: number | null;
}
export interface ComputeApp {
  pid: number;
  usedMiB: number;
}
export type GpuDetection = { available: true; name: string } | { available: false; reason: string };

const num = (s: string | undefined): number | null => {
  const v = Number((s ?? '').trim());
  return s === undefined || Number.isNaN(v) || (s ?? '').includes('N/A') ? null : v;
};

/** Parses `--query-gpu=memory.used,memory.total,power.draw,utilization.gpu --format=csv,noheader,nounits` (first GPU). */
export function parseGpuQuery(text: string): GpuReading | null {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (!line) return null;
  const [used, total, power, util] = line.split(',');
  const u = num(used);
  const t = num(total);
  if (u === null || t === null) return null;
  return { usedMiB: u, totalMiB: t, powerW: num(power), utilizationPct: num(util) };
}

/** Parses `--query-compute-apps=pid,used_memory --format=csv,noheader,nounits`. */
export function parseComputeApps(text: string): ComputeApp[] {
  const out: ComputeApp[] = [];
  for (const line of text.split('\n')) {
    const [pid, used] = line.split(',');
    const p = num(pid);
    const m = num(used);
    if (p !== null && m !== null) out.push({ pid: p, usedMiB: m });
  }
  return out;
}

const GPU_QUERY = ['--query-gpu=memory.used,memory.total,power.draw,utilization.gpu', '--format=csv,noheader,nounits'] as const;
const APPS_QUERY = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'] as const;
const GPU_FAILED = '@@gth-gpu-failed';
const APPS_MARK = '@@gth-compute-apps';
const APPS_FAILED = '@@gth-compute-apps-failed';
const END = '@@gth-end';

/** Both figures of one moment: the GPU reading (null when unreadable) and the compute apps (null when their query failed). */
export interface GpuSample {
  reading: GpuReading | null;
  apps: ComputeApp[] | null;
}

/** Single-quoted for sh (a quote inside ends the quoting, is escaped, and starts it again). */
const quote = (args: readonly string[]): string => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
/**
 * One sample in shell: nvidia-smi ("$0") takes one query type per call, so a shell runs both and marks where each
 * part ends; a failed reading is marked with its exit status (127: no such command).
 */
const SAMPLE_SH = `"$0" ${quote(GPU_QUERY)} || echo "${GPU_FAILED} $?"; echo '${APPS_MARK}'; "$0" ${quote(APPS_QUERY)} || echo '${APPS_FAILED}'; echo '${END}'`;
/**
 * The same every "$1" seconds, for as long as the parent lives: it checks after each sleep, and a write to the pipe
 * of a parent that is gone ends it too.
 */
const LOOP_SH = `while :; do ${SAMPLE_SH}; sleep "$1"; kill -0 "$PPID" 2>/dev/null || exit 0; done`;

/** Parses one marked sample (the text before its end mark); a failed reading becomes an Error naming why. */
export function parseSample(block: string, command: string): GpuSample | Error {
  const at = block.indexOf(`${APPS_MARK}\n`);
  const gpu = at < 0 ? block : block.slice(0, at);
  const apps = at < 0 ? '' : block.slice(at + APPS_MARK.length + 1);
  const failed = gpu.indexOf(GPU_FAILED);
  if (failed >= 0) {
    const status = gpu.slice(failed + GPU_FAILED.length).trim();
    const said = gpu.slice(0, failed).trim();
    return new Error(status === '127' ? `${command} not found on PATH` : said || `${command} exited with status ${status}`);
  }
  return { reading: parseGpuQuery(gpu), apps: apps.includes(APPS_FAILED) ? null : parseComputeApps(apps) };
}

export class NvidiaSmi {
  constructor(
    private readonly command = 'nvidia-smi',
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private async run(args: readonly string[], file = this.command): Promise<string> {
    // cleanup: false keeps execa from hooking process signals for these short calls.
    const r = await execa(file, args, { env: this.env, extendEnv: false, timeout: 10_000, reject: false, cleanup: false });
    if (r.failed || r.exitCode !== 0) {
      const why = r.code === 'ENOENT' || /ENOENT/.test(String(r.message)) ? `${file} not found on PATH` : (String(r.stdout || r.stderr).trim() || r.shortMessage);
      throw new Error(why);
    }
    return String(r.stdout);
  }

  async detect(): Promise<GpuDetection> {
    try {
      const out = await this.run(['-L']);
      const m = /^GPU \d+: (.+?) \(UUID/m.exec(out);
      if (!m?.[1]) return { available: false, reason: `${this.command} -L listed no GPU` };
      return { available: true, name: m[1] };
    } catch (err) {
      return { available: false, reason: (err as Error).message };
    }
  }

  async read(): Promise<GpuReading | null> {
    return parseGpuQuery(await this.run(GPU_QUERY));
  }

  async apps(): Promise<ComputeApp[]> {
    return parseComputeApps(await this.run(APPS_QUERY));
  }

  /**
   * The GPU reading and the compute apps from one child process: a caller in a serving process forks once, not twice
   * (each fork of a large Node process stalls its event loop). The reading's failure is the call's, like read()'s;
   * the apps' failure gives null apps, for the caller to judge (the VRAM watch goes on without them, a fit check not).
   */
  async sample(): Promise<GpuSample> {
    const out = await this.run(['-c', SAMPLE_SH, this.command], '/bin/sh');
    const s = parseSample(out.slice(0, Math.max(0, out.indexOf(END))), this.command);
    if (s instanceof Error) throw s;
    return s;
  }

  /**
   * Samples every `periodMs` from one long-lived child (a shell loop), so a periodic caller forks nothing per period:
   * the VRAM watch runs in the process that serves the endpoint, where a fork stalled requests for tens of ms.
   * `onSample` gets each sample or the reason it failed; a loop that dies is started again a period later, and one
   * silent for `stallMs` past its period (a hung driver call; the one-shot calls time out after 10 s) is ended first.
   */
  loop(periodMs: number, onSample: (s: GpuSample | Error) => void, stallMs = 10_000): { stop(): void } {
    let child: ChildProcess | null = null;
    let stopped = false;
    let again: NodeJS.Timeout | null = null;
    let heardAt = Date.now();
    const end = (): void => {
      const pid = child?.pid;
      if (!pid) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    };
    const watchdog = setInterval(() => {
      if (child && Date.now() - heardAt > periodMs + stallMs) {
        onSample(new Error(`nvidia-smi gave no reading for ${Math.round((Date.now() - heardAt) / 1000)} s; restarting its poll loop`));
        heardAt = Date.now();
        end(); // 'close' starts it again
      }
    }, Math.max(periodMs, 1000));
    watchdog.unref();
    const begin = (): void => {
      heardAt = Date.now();
      // Its own process group, so stop() ends the shell, its sleep and any nvidia-smi under way together.
      const c = spawn('/bin/sh', ['-c', LOOP_SH, this.command, (periodMs / 1000).toFixed(3)], { env: this.env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
      child = c;
      let buf = '';
      c.stdout!.setEncoding('utf8');
      c.stdout!.on('data', (chunk: string) => {
        buf += chunk;
        for (let at = buf.indexOf(`${END}\n`); at >= 0; at = buf.indexOf(`${END}\n`)) {
          heardAt = Date.now();
          onSample(parseSample(buf.slice(0, at), this.command));
          buf = buf.slice(at + END.length + 1);
        }
      });
      c.on('error', (err) => onSample(err));
      c.on('close', (code, signal) => {
        child = null;
        if (stopped) return;
        onSample(new Error(`the nvidia-smi poll loop ended (${signal ?? code}); starting it again`));
        again = setTimeout(begin, periodMs);
      });
    };
    begin();
    return {
      stop: () => {
        stopped = true;
        clearInterval(watchdog);
        if (again) clearTimeout(again);
        end();
      },
    };
  }
}
