import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendLedgerEntry, parseLedger, readLedger, resolveLedgerPath } from '../../../src/cost/ledger.js';
import { ENTRIES } from './ledger-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ledger path', () => {
  it('defaults to .gastown-state/ledger.jsonl under the town and honours GTH_LEDGER', () => {
    expect(resolveLedgerPath({}, '/town')).toBe('/town/.gastown-state/ledger.jsonl');
    expect(resolveLedgerPath({ GTH_LEDGER: '/var/l.jsonl' }, '/town')).toBe('/var/l.jsonl');
    expect(resolveLedgerPath({ GTH_LEDGER: 'rel/l.jsonl' }, '/town')).toBe('/town/rel/l.jsonl');
  });
});

describe('append and read', () => {
  it('appends one line per entry, creating the folder, and reads them back', async () => {
    const f = join(dir, 'nested', 'state', 'ledger.jsonl');
    for (const e of ENTRIES) await appendLedgerEntry(f, e);
    const lines = readFileSync(f, 'utf8').split('\n');
    expect(lines).toHaveLength(ENTRIES.length + 1);
    expect(lines.at(-1)).toBe('');
    const read = await readLedger(f);
    expect(read).toMatchObject({ exists: true, problems: [] });
    expect(read.entries).toEqual(ENTRIES);
  });

  it('refuses to append an entry that is not valid', async () => {
    const f = join(dir, 'invalid.jsonl');
    await expect(appendLedgerEntry(f, { ...ENTRIES[0]!, seconds: -1 })).rejects.toThrow(/seconds/);
    expect(() => readFileSync(f)).toThrow(/ENOENT/);
  });

  it('reports corrupt lines with their line numbers, skips them, and leaves the file untouched', async () => {
    const f = join(dir, 'corrupt.jsonl');
    const good = ENTRIES.map((e) => JSON.stringify(e));
    const text = [good[0], '{"v":1,"time":"2026-01-29T1', good[1], '', '{"v":1,"role":"janitor"}', good[2], ''].join('\n');
    writeFileSync(f, text);
    const read = await readLedger(f);
    expect(read.entries).toEqual(ENTRIES.slice(0, 3));
    expect(read.problems.map((p) => p.line)).toEqual([2, 5]);
    expect(read.problems[0]!.message).toMatch(/^not JSON/);
    expect(read.problems[1]!.message).toMatch(/role/);
    expect(readFileSync(f, 'utf8')).toBe(text);
  });

  it('treats a missing ledger as empty', async () => {
    expect(await readLedger(join(dir, 'none.jsonl'))).toMatchObject({ exists: false, entries: [], problems: [] });
    expect(parseLedger('\n\n').entries).toEqual([]);
  });
});
