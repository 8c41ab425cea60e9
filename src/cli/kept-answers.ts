// Printed answers kept between runs (`bead list` / `bead ready` per bead-index generation, `gth plan --beads` with
// its inputs): their keys, and serving one before the command-line parser is loaded (main.ts), for plain command
// lines only. Anything else goes to the commands, which read and save the same kept answers under the same keys.
import { join, resolve } from 'node:path';
import { writeView } from '../beads/bead-views.js';
import { openBlockers, readyBeads } from '../beads/graph.js';
import { beadsJson, scanBeads, type ScannedBead, type ScanResult } from '../beads/scan.js';
import { indexDirFor, type BeadSummary } from '../beads/scan-index.js';
import { textKey } from '../beads/text.js';
import { resolveTown } from '../beads/town.js';
import { openKeptPlan, planAnswerKey, type KeptPlan } from '../fleet/plan-answer.js';
import { formatTable } from './output.js';

export function beadRow(b: BeadSummary): (string | number)[] {
  return [b.id, b.status, b.priority, b.type, b.role ?? '-', b.assignee?.agent ?? '-', b.title.slice(0, 60)];
}
export const BEAD_HEADERS = ['id', 'status', 'pri', 'type', 'role', 'assignee', 'title'];

/** printJson's output for JSON already rendered to bytes (the scan cache keeps each bead's JSON). */
const jsonLine = (json: Buffer): Buffer => Buffer.concat([json, Buffer.from('\n')]);
const tableText = (rows: (string | number)[][]): string => `${formatTable(BEAD_HEADERS, rows)}\n`;

export interface ListOptions {
  status?: string;
  convoy?: string;
  role?: string;
  json?: boolean;
}
/** `bead list`'s answer: the beads that pass the filters, oldest first. */
export function listAnswer(all: ScannedBead[], o: ListOptions): string | Buffer {
  let beads = all;
  if (o.status) beads = beads.filter((b) => b.summary.status === o.status);
  if (o.convoy) beads = beads.filter((b) => b.summary.convoy === o.convoy);
  if (o.role) beads = beads.filter((b) => b.summary.role === o.role);
  beads.sort((a, b) => a.summary.createdAt.localeCompare(b.summary.createdAt) || a.summary.id.localeCompare(b.summary.id));
  return o.json ? jsonLine(beadsJson(beads)) : tableText(beads.map((b) => beadRow(b.summary)));
}

/** `bead ready`'s answer: open beads whose blockers are done, by priority then age. */
export function readyAnswer(beads: ScannedBead[], o: { limit?: number; json?: boolean }): string | Buffer {
  const of = new Map(beads.map((b) => [b.summary, b]));
  let ready = readyBeads(beads.map((b) => b.summary));
  if (o.limit) ready = ready.slice(0, o.limit);
  return o.json ? jsonLine(beadsJson(ready.map((s) => of.get(s)!))) : tableText(ready.map(beadRow));
}

let renderHash: string | undefined;
/** A hash of the code that makes list and ready answers: an upgrade that prints differently never shows an old answer. */
function renderCode(): string {
  renderHash ??= textKey([listAnswer, readyAnswer, jsonLine, tableText, beadRow, formatTable, beadsJson, readyBeads, openBlockers, BEAD_HEADERS].map(String).join('\n'));
  return renderHash;
}

export const listKey = (o: ListOptions): string =>
  `${JSON.stringify(['bead list', o.status ?? null, o.convoy ?? null, o.role ?? null, Boolean(o.json)])} ${renderCode()}`;
export const readyKey = (o: { limit?: number; json?: boolean }): string => `${JSON.stringify(['bead ready', o.limit ?? null, Boolean(o.json)])} ${renderCode()}`;

export interface PlanFlags {
  beads?: string;
  rig?: string;
  config?: string;
  measured?: string;
  json?: boolean;
  explain?: boolean;
}
export const planKey = (f: PlanFlags, cwd: string, env: NodeJS.ProcessEnv): string =>
  planAnswerKey({ beads: f.beads, config: f.config ?? null, measured: f.measured ?? null, json: Boolean(f.json), explain: Boolean(f.explain) }, cwd, env);

/** What the early look made, for the command it hands over to on a miss: the scan, and for a plan its kept plan (already found stale or missing). */
export interface Handed {
  scan: ScanResult;
  plan?: KeptPlan;
}
let handed: (Handed & { dir: string }) | undefined;
/** What the early look made for `dir` in this run, if anything (given once): one scan per run, not two. */
export function takeHanded(dir: string): Handed | undefined {
  const h = handed;
  handed = undefined;
  return h?.dir === dir ? h : undefined;
}

/**
 * `--name value` pairs and switches, each at most once, all known; null for anything else (`--x=y`, a value that
 * looks like a flag, help, an unknown or repeated flag), which the command-line parser judges.
 */
function plainFlags(args: readonly string[], valued: readonly string[], switches: readonly string[]): Record<string, string | true> | null {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.slice(2);
    if (!a.startsWith('--') || name in out) return null;
    if (switches.includes(name)) out[name] = true;
    else if (valued.includes(name)) {
      const v = args[++i];
      if (v === undefined || v.startsWith('-')) return null;
      out[name] = v;
    } else return null;
  }
  return out;
}

const str = (v: string | true | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Prints the kept answer of a plain `bead list`, `bead ready` or `plan --beads` command line; false when it did not
 * (nothing printed). An error while printing (EPIPE: the reader left) is thrown.
 */
export async function serveKeptAnswer(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<boolean> {
  let print: (() => boolean) | null;
  try {
    print = await keptAnswer(argv, env, cwd);
  } catch {
    return false; // the command says what is wrong
  }
  return print ? print() : false;
}

/** How to print the kept answer (false when there is none), or null when the line is not one this reads. */
async function keptAnswer(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<(() => boolean) | null> {
  const [a, b] = argv;
  if (a === 'bead' && (b === 'list' || b === 'ready')) {
    const f = plainFlags(argv.slice(2), b === 'list' ? ['dir', 'status', 'convoy', 'role'] : ['dir'], ['json']);
    if (!f) return null;
    const dir = join(resolveTown({ dir: str(f.dir) }, env, cwd), 'beads');
    const indexDir = indexDirFor(dir);
    const scan = await scanBeads(dir, { bytes: false });
    handed = { dir, scan };
    const key = b === 'list' ? listKey({ status: str(f.status), convoy: str(f.convoy), role: str(f.role), json: f.json === true }) : readyKey({ json: f.json === true });
    return () => writeView(indexDir, scan.generation, key);
  }
  if (a === 'plan') {
    const f = plainFlags(argv.slice(1), ['beads', 'config', 'measured'], ['json', 'explain']);
    if (!f || typeof f.beads !== 'string') return null;
    const flags: PlanFlags = { beads: f.beads, config: str(f.config), measured: str(f.measured), json: f.json === true, explain: f.explain === true };
    const dir = resolve(cwd, f.beads);
    const kept = await openKeptPlan(dir, planKey(flags, cwd, env));
    handed = { dir, scan: kept.scan, plan: kept };
    return () => kept.write();
  }
  return null;
}
