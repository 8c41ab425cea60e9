// Bead store benchmark: create, list and `gth bead ready` (as a whole process) over 10,000 beads.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { BeadStore, type NewBead } from '../src/beads/store.js';
import { readyBeads } from '../src/beads/graph.js';
import type { BenchResult } from './run.js';

const N = 10_000;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export default async function bench(): Promise<BenchResult[]> {
  const town = await mkdtemp(join(tmpdir(), 'gth-bench-'));
  // A town is a git work tree (gth refuses any other --dir).
  execFileSync('git', ['init', '-q', town]);
  try {
    const store = new BeadStore({ dir: join(town, 'beads'), prefix: 'bn' });
    const inputs: (NewBead & { id: string })[] = Array.from({ length: N }, (_, i) => ({
      id: `bn-${i.toString(36).padStart(4, '0')}`,
      title: `Bench bead ${i}`,
      description: 'Implement the thing described in the plan, with tests from the Refinery.',
      priority: i % 5,
      role: 'polecat',
      acceptance: ['tests pass', 'no Godot 3 APIs'],
      files: [`scripts/file_${i % 50}.gd`],
      dependencies: i > 0 && i % 3 === 0 ? [{ id: `bn-${(i - 1).toString(36).padStart(4, '0')}`, kind: 'blocks' as const }] : [],
    }));
    let t = performance.now();
    for (let i = 0; i < 200; i++) await store.create({ title: `single ${i}` });
    const single = (performance.now() - t) / 200;
    t = performance.now();
    await store.createMany(inputs);
    const bulk = performance.now() - t;
    t = performance.now();
    const all = await store.list();
    const list = performance.now() - t;
    t = performance.now();
    readyBeads(all);
    const readyInProc = performance.now() - t;
    const results: BenchResult[] = [
      { name: 'bead create (one at a time, locked + fsync)', value: single, unit: 'ms/bead' },
      { name: `bead create (${N} in one batch)`, value: bulk, unit: 'ms' },
      { name: `list ${N + 200} beads (read + validate)`, value: list, unit: 'ms' },
      { name: `ready over ${N + 200} beads (in process, graph only)`, value: readyInProc, unit: 'ms' },
    ];
    const built = join(root, 'dist', 'cli', 'main.js');
    if (existsSync(built)) {
      const best = (args: string[]): number => {
        const runs: number[] = [];
        for (let i = 0; i < 3; i++) {
          t = performance.now();
          execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
          runs.push(performance.now() - t);
        }
        return Math.min(...runs);
      };
      // Node's own start-up, for scale: what any whole-process figure cannot go below.
      results.push({ name: 'node start-up alone (node -e 0, best of 3)', value: best(['-e', '0']), unit: 'ms' });
      for (const cmd of ['ready', 'list']) {
        results.push({
          name: `gth bead ${cmd} on ${N + 200} beads (whole process, best of 3)`,
          value: best([built, 'bead', cmd, '--json', '--dir', town]),
          unit: 'ms',
          target: 300,
        });
      }
    } else {
      process.stderr.write('bench: dist/ missing; run `npm run build` to time `gth bead ready` as a whole process\n');
    }
    return results;
  } finally {
    await rm(town, { recursive: true, force: true });
  }
}
