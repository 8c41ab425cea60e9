// Appends ledger lines safely from many processes (O_APPEND, one write per line) and reads them back.
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { GthError } from '../util/errors.js';
import { LedgerEntry, type LedgerProblem } from './ledger-schema.js';

/** $GTH_LEDGER, else .gastown-state/ledger.jsonl under the town repo. */
export function resolveLedgerPath(env: NodeJS.ProcessEnv = process.env, townRoot = process.cwd()): string {
  const override = env.GTH_LEDGER;
  if (override) return isAbsolute(override) ? override : resolve(townRoot, override);
  return join(townRoot, '.gastown-state', 'ledger.jsonl');
}

/**
 * Appends one entry as one line. The file is opened with O_APPEND and the line goes out in a single
 * write(2), so lines from concurrent processes never interleave; the file is never rewritten.
 */
export async function appendLedgerEntry(file: string, entry: LedgerEntry): Promise<void> {
  const checked = LedgerEntry.parse(entry);
  const line = Buffer.from(`${JSON.stringify(checked)}\n`, 'utf8');
  const fh = await openForAppend(file);
  try {
    const { bytesWritten } = await fh.write(line, 0, line.length);
    if (bytesWritten !== line.length) throw new GthError(`${file}: short write to the ledger (${bytesWritten} of ${line.length} bytes)`);
  } finally {
    await fh.close();
  }
}

/** Opens for appending; the folder is made only when missing, so the usual line costs no mkdir (the endpoint writes one per call). */
async function openForAppend(file: string): ReturnType<typeof open> {
  try {
    return await open(file, 'a');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(file), { recursive: true });
    return open(file, 'a');
  }
}

export interface LedgerRead {
  file: string;
  exists: boolean;
  entries: LedgerEntry[];
  /** Lines skipped because they are not JSON or not a ledger entry; the file is left as it is. */
  problems: LedgerProblem[];
}

export function parseLedger(text: string): { entries: LedgerEntry[]; problems: LedgerProblem[] } {
  const entries: LedgerEntry[] = [];
  const problems: LedgerProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push({ line: idx + 1, message: `not JSON: ${(err as Error).message}` });
      return;
    }
    const result = LedgerEntry.safeParse(value);
    if (result.success) entries.push(result.data);
    else problems.push({ line: idx + 1, message: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') });
  });
  return { entries, problems };
}

export async function readLedger(file: string): Promise<LedgerRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, entries: [], problems: [] };
    throw new GthError(`cannot read ledger ${file}: ${(err as Error).message}`, { cause: err });
  }
  return { file, exists: true, ...parseLedger(text) };
}

export interface ConvoyCost {
  calls: number;
  localCalls: number;
  seconds: number;
  energyWh: number;
  usd: number;
}

/** Totals of one convoy's ledger lines (unreadable lines are skipped, as in reports). */
export async function convoyCost(file: string, convoy: string): Promise<ConvoyCost> {
  const { entries } = await readLedger(file);
  const mine = entries.filter((e) => e.convoy === convoy);
  return {
    calls: mine.length,
    localCalls: mine.filter((e) => e.local).length,
    seconds: mine.reduce((n, e) => n + e.seconds, 0),
    energyWh: mine.reduce((n, e) => n + e.energyWh, 0),
    usd: mine.reduce((n, e) => n + e.money.totalUsd, 0),
  };
}
