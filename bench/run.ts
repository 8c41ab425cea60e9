// `npm run bench`: runs every bench/*.bench.ts and prints one table (machine named, figures as ratios to targets).
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export interface BenchResult {
  name: string;
  /** Measured value in the given unit. */
  value: number;
  unit: string;
  /** Target the value must stay under (same unit), if any. */
  target?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only))).sort();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`machine: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);
let failed = 0;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: () => Promise<BenchResult[]> };
  for (const r of await mod.default()) {
    const ratio = r.target ? ` (${((r.value / r.target) * 100).toFixed(0)}% of target ${r.target} ${r.unit})` : '';
    const ok = r.target === undefined || r.value <= r.target;
    if (!ok) failed++;
    process.stdout.write(`${ok ? 'ok  ' : 'MISS'} ${r.name}: ${r.value.toFixed(1)} ${r.unit}${ratio}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
