// A reader that stops early (`gth bead list | head -1`) ends gth quietly, as it does git: no EPIPE stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { join } from 'node:path';
import { BeadStore } from '../../../src/beads/store.js';
import { GTH_ARGV } from '../../support/cli.js';
import { initRepo, tempDir } from '../../support/git.js';

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
let town: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ path: town, cleanup } = await tempDir('gth-epipe-'));
  await initRepo(town);
  // More than a pipe holds (64 KiB), so gth is still writing when the reader has gone.
  await new BeadStore({ dir: join(town, 'beads'), prefix: 'ep', env: {} }).createMany(
    Array.from({ length: 1500 }, (_, i) => ({ id: `ep-${i}`, title: `A bead with a title long enough to fill the pipe quickly, number ${i}` })),
  );
});
afterAll(() => cleanup());

describe('gth into a closed pipe', () => {
  it('stops without an error when the reader goes away', async () => {
    const r = await execa('bash', ['-c', `${GTH_ARGV.map(quote).join(' ')} bead list --dir ${quote(town)} | head -1; echo "gth exit $\{PIPESTATUS[0]}" >&2`], {
      reject: false,
      env: { GTH_LOG_LEVEL: 'silent' },
    });
    expect(String(r.stdout)).toMatch(/^id +status/);
    expect(String(r.stderr)).not.toMatch(/EPIPE|Unhandled|\n +at /);
    expect(String(r.stderr)).toMatch(/gth exit 0/);
  });
});
