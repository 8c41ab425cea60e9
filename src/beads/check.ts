// `gth beads check`: validates the whole bead folder (or what is staged) and lists every problem.
import { relative, dirname, join, basename } from 'node:path';
import type { Bead } from './schema.js';
import { BeadStore } from './store.js';
import { parseBeadText, parseConvoyText } from './serialize.js';
import { findCycles, danglingDeps, formatCycle } from './graph.js';

export interface CheckReport {
  checked: number;
  problems: { file: string; message: string }[];
  /** Not errors: dependencies of imported `bd` beads on ids that were never imported (external to this town). */
  warnings: { file: string; message: string }[];
}

/**
 * With `staged`, bead files staged in git are checked as staged (what the commit would store),
 * overlaid on the rest of the folder so dangling deps and cycles are judged on the result.
 */
export async function checkBeads(store: BeadStore, opts: { staged?: boolean } = {}): Promise<CheckReport> {
  const scan = await store.scan();
  const problems = [...scan.problems];
  const byFile = new Map<string, Bead>(scan.beads.map((b) => [b.file, b.bead]));
  let checked = scan.beads.length + scan.problems.length;
  if (opts.staged) {
    const root = dirname(store.dir);
    const rel = relative(root, store.dir) || '.';
    const staged = await store.git.stagedPaths(rel);
    checked = 0;
    const stagedProblems: typeof problems = [];
    for (const path of staged) {
      if (!path.endsWith('.json') || basename(path).startsWith('.')) continue;
      const abs = join(root, path);
      const text = await store.git.stagedFile(path);
      if (text === null) continue;
      checked++;
      try {
        if (dirname(abs) === store.convoysDir) {
          parseConvoyText(text, path);
          continue;
        }
        if (dirname(abs) !== store.dir) continue;
        const bead = parseBeadText(text, path);
        if (`${bead.id}.json` !== basename(path)) stagedProblems.push({ file: path, message: `${path}: id "${bead.id}" does not match the file name` });
        byFile.set(abs, bead);
      } catch (err) {
        stagedProblems.push({ file: path, message: (err as Error).message });
        byFile.delete(abs);
      }
    }
    // Only problems in what is being committed block the commit.
    const stagedSet = new Set(staged.map((p) => join(root, p)));
    problems.length = 0;
    problems.push(...stagedProblems, ...scan.problems.filter((p) => stagedSet.has(p.file) && !stagedProblems.some((s) => join(root, s.file) === p.file)));
    const beads = [...byFile.values()];
    const touched = new Set([...byFile.entries()].filter(([f]) => stagedSet.has(f)).map(([, b]) => b.id));
    const graph = graphProblems(beads, store).filter((p) => p.ids.some((id) => touched.has(id)));
    return { checked, problems: [...problems, ...graph.filter((p) => !p.warning)], warnings: graph.filter((p) => p.warning) };
  }
  const beads = [...byFile.values()];
  const graph = graphProblems(beads, store);
  problems.push(...graph.filter((p) => !p.warning));
  const warnings = graph.filter((p) => p.warning);
  const ids = new Set(beads.map((b) => b.id));
  for (const c of await store.listConvoys().catch((err: Error) => {
    problems.push({ file: store.convoysDir, message: err.message });
    return [];
  })) {
    for (const id of c.beads) {
      if (!ids.has(id)) problems.push({ file: store.convoyPath(c.id), message: `convoy ${c.id} lists bead ${id}, which does not exist` });
    }
  }
  return { checked, problems, warnings };
}

interface GraphProblem {
  file: string;
  message: string;
  ids: string[];
  warning?: true;
}

function graphProblems(beads: Bead[], store: BeadStore): GraphProblem[] {
  const out: GraphProblem[] = [];
  const byId = new Map(beads.map((b) => [b.id, b]));
  const seen = new Map<string, number>();
  for (const b of beads) seen.set(b.id, (seen.get(b.id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) out.push({ file: store.beadPath(id), message: `duplicate bead id ${id} (${n} files)`, ids: [id] });
  for (const [from, to] of danglingDeps(beads)) {
    // A bead imported from bd may name issues of the bd database that were not exported with it:
    // those are outside this town, not corruption. A dangling dep on a native bead stays an error.
    if (byId.get(from)?.bd) {
      out.push({ file: store.beadPath(from), message: `bead ${from} (imported from bd) depends on ${to}, which was never imported: treated as external`, ids: [from], warning: true });
    } else {
      out.push({ file: store.beadPath(from), message: `bead ${from} depends on ${to}, which does not exist`, ids: [from] });
    }
  }
  for (const cycle of findCycles(beads)) {
    out.push({ file: store.beadPath(cycle[0]!), message: `dependency cycle: ${formatCycle(cycle)}`, ids: cycle });
  }
  return out;
}
