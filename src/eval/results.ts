// Saves eval results atomically under <state>/eval/<date>-<id>.json and reads the latest back.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../runtime/state-store.js';
import { GthError } from '../util/errors.js';
import { EvalResults } from './results-schema.js';

export const evalDir = (stateDir: string): string => join(stateDir, 'eval');

export function resultsFileName(r: Pick<EvalResults, 'date' | 'id'>): string {
  return `${r.date.slice(0, 10)}-${r.id}.json`;
}

export function saveResults(stateDir: string, results: EvalResults): string {
  const file = join(evalDir(stateDir), resultsFileName(results));
  writeJsonAtomic(file, EvalResults.parse(results));
  return file;
}

export function readResultsFile(file: string): EvalResults {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GthError(`${file}: cannot read eval results: ${(err as Error).message}`, { cause: err });
  }
  const parsed = EvalResults.safeParse(data);
  if (!parsed.success) throw new GthError(`${file}: not an eval results file: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The newest results by their recorded date; null when there are none. Unreadable files are skipped. */
export function latestResults(stateDir: string, onSkip: (file: string, why: string) => void = () => undefined): EvalResults | null {
  const dir = evalDir(stateDir);
  if (!existsSync(dir)) return null;
  let best: EvalResults | null = null;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      const r = readResultsFile(join(dir, f));
      if (!best || r.date > best.date) best = r;
    } catch (err) {
      onSkip(join(dir, f), (err as Error).message);
    }
  }
  return best;
}
