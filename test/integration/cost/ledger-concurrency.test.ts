// Several real processes append to one ledger at once; every line must come out whole.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readLedger } from '../../../src/cost/ledger.js';
import { TSX_LOADER } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-ledger-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const worker = fileURLToPath(new URL('./append-worker.ts', import.meta.url));

describe('ledger appends from several processes', () => {
  it('keeps every line whole and counts every append', async () => {
    const file = join(dir, 'ledger.jsonl');
    const workers = 4;
    const each = 300;
    const go = join(dir, 'go');
    const procs = Array.from({ length: workers }, (_, w) => execa(process.execPath, ['--import', TSX_LOADER, worker, file, String(w), String(each), go]));
    while (!Array.from({ length: workers }, (_, w) => existsSync(`${go}.ready-${w}`)).every(Boolean)) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(go, '');
    await Promise.all(procs);
    const read = await readLedger(file);
    expect(read.problems).toEqual([]);
    expect(read.entries).toHaveLength(workers * each);
    // The writers did overlap: the file is not simply one worker's block after another's.
    const order = read.entries.map((e) => e.convoy);
    const switches = order.filter((c, i) => i > 0 && c !== order[i - 1]).length;
    expect(switches).toBeGreaterThan(workers - 1);
    for (let w = 0; w < workers; w++) {
      const mine = read.entries.filter((e) => e.convoy === `cv-${w}`).map((e) => e.tokens.in);
      // each process's own lines stay in its order
      expect(mine).toEqual(Array.from({ length: each }, (_, i) => i));
    }
  });
});
