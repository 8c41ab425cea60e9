// Kept answers on disk, written to a file descriptor through one reused buffer (writeView), served only under their
// own generation and key.
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveView, writeView } from '../../../src/beads/bead-views.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'gth-views-'));
/** What writeView wrote into a fresh file, and its answer. */
function written(indexDir: string, generation: string, key: string): { ok: boolean; text: string } {
  const out = join(indexDir, `out-${Math.random()}`);
  const fd = openSync(out, 'w');
  let ok: boolean;
  try {
    ok = writeView(indexDir, generation, key, fd);
  } finally {
    closeSync(fd);
  }
  return { ok, text: readFileSync(out, 'utf8') };
}

describe('kept answers', () => {
  it('writes an answer larger than its buffer exactly', () => {
    const d = dir();
    // Over 2 MiB with a multi-byte character across the 1 MiB chunk edges: the bytes must come out unchanged.
    const answer = `${'é'.repeat(700_000)}\n${'x'.repeat(900_000)}\n`;
    saveView(d, 'gen-1', 'bead list', answer);
    expect(written(d, 'gen-1', 'bead list')).toEqual({ ok: true, text: answer });
    // An empty answer is an answer.
    saveView(d, 'gen-1', 'empty', '');
    expect(written(d, 'gen-1', 'empty')).toEqual({ ok: true, text: '' });
  });

  it('with a record line: serves the rest only when the caller accepts the record, and never writes the record', () => {
    const d = dir();
    saveView(d, 'gen-1', 'plan', `{"inputs":1}\nthe plan\n`);
    const seen: string[] = [];
    const refused = (accept: (line: string) => boolean): void => {
      const out = join(d, `out-${Math.random()}`);
      const fd = openSync(out, 'w');
      try {
        expect(writeView(d, 'gen-1', 'plan', fd, accept)).toBe(false);
      } finally {
        closeSync(fd);
      }
      expect(readFileSync(out, 'utf8')).toBe('');
    };
    const out = join(d, 'accepted');
    const fd = openSync(out, 'w');
    expect(writeView(d, 'gen-1', 'plan', fd, (line) => (seen.push(line), true))).toBe(true);
    closeSync(fd);
    expect(readFileSync(out, 'utf8')).toBe('the plan\n');
    expect(seen).toEqual(['{"inputs":1}']);
    refused(() => false);
    // A record longer than the first read is not served.
    saveView(d, 'gen-1', 'plan', `${'r'.repeat(1_100_000)}\nthe plan\n`);
    refused(() => true);
  });

  it('writes nothing for another generation, another key or no view', () => {
    const d = dir();
    saveView(d, 'gen-1', 'bead list', 'the list\n');
    expect(written(d, 'gen-2', 'bead list')).toEqual({ ok: false, text: '' });
    expect(written(d, 'gen-1', 'bead ready')).toEqual({ ok: false, text: '' });
    expect(writeView(null, 'gen-1', 'bead list')).toBe(false);
    expect(writeView(d, null, 'bead list')).toBe(false);
  });
});
