// Reads VRAM use from nvidia-smi (whole GPU and per process); no NVIDIA GPU is reported, not thrown.
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
const APPS_MARK = '@@gth-compute-apps';
const APPS_FAILED = '@@gth-compute-apps-failed';

export class NvidiaSmi {
  constructor(
    private readonly command = 'nvidia-smi',
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private async run(args: readonly string[], file = this.command): Promise<string> {
    // cleanup: false keeps execa from hooking process signals for these short calls.
    const r = await execa(file, args, { env: this.env, extendEnv: false, timeout: 10_000, reject: false, cleanup: false });
    if (r.failed || r.exitCode !== 0) {
      // 127: the shell of sample() found no such command.
      const missing = r.code === 'ENOENT' || /ENOENT/.test(String(r.message)) || (file !== this.command && r.exitCode === 127);
      const why = missing ? `${this.command} not found on PATH` : (String(r.stdout || r.stderr).trim() || r.shortMessage);
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
   * The GPU reading and the compute apps from one child process. nvidia-smi takes one query type per call, so a
   * shell runs both: a periodic caller in a serving process (the VRAM watch beside the endpoint) then forks itself
   * once per period, not twice; each fork of a large Node process stalls its event loop. The reading's failure is
   * the call's (like read()); the apps' failure gives no apps (the callers treat them as optional).
   */
  async sample(): Promise<{ reading: GpuReading | null; apps: ComputeApp[] }> {
    const q = (args: readonly string[]): string => args.map((a) => `'${a}'`).join(' ');
    const script = `"$0" ${q(GPU_QUERY)} || exit $?; echo '${APPS_MARK}'; "$0" ${q(APPS_QUERY)} || echo '${APPS_FAILED}'`;
    const out = await this.run(['-c', script, this.command], '/bin/sh');
    const [gpu = '', apps = ''] = out.split(`${APPS_MARK}\n`);
    return { reading: parseGpuQuery(gpu), apps: apps.includes(APPS_FAILED) ? [] : parseComputeApps(apps) };
  }
}
