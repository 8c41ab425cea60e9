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

export class NvidiaSmi {
  constructor(
    private readonly command = 'nvidia-smi',
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private async run(args: string[]): Promise<string> {
    // cleanup: false keeps execa from hooking process signals for these short calls.
    const r = await execa(this.command, args, { env: this.env, extendEnv: false, timeout: 10_000, reject: false, cleanup: false });
    if (r.failed || r.exitCode !== 0) {
      const why = r.code === 'ENOENT' || /ENOENT/.test(String(r.message)) ? `${this.command} not found on PATH` : (String(r.stdout || r.stderr).trim() || r.shortMessage);
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
    const out = await this.run(['--query-gpu=memory.used,memory.total,power.draw,utilization.gpu', '--format=csv,noheader,nounits']);
    return parseGpuQuery(out);
  }

  async apps(): Promise<ComputeApp[]> {
    return parseComputeApps(await this.run(['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']));
  }
}
