// A reader that stops early (`gth bead list | head -1`) ends gth quietly, as it does git: no EPIPE stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeadStore } from '../../../src/beads/store.js';
import { RACY_MS } from '../../../src/beads/scan.js';
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

/** `gth <args> | head -1`: what head printed, and gth's stderr with its exit status. */
const intoHead = (args: string): Promise<{ stdout: unknown; stderr: unknown }> =>
  execa('bash', ['-c', `${GTH_ARGV.map(quote).join(' ')} ${args} | head -1; echo "gth exit $\{PIPESTATUS[0]}" >&2`], {
    reject: false,
    env: { GTH_LOG_LEVEL: 'silent' },
  });

describe('gth into a closed pipe', () => {
  it('stops without an error when the reader goes away', async () => {
    const r = await intoHead(`bead list --dir ${quote(town)}`);
    expect(String(r.stdout)).toMatch(/^id +status/);
    expect(String(r.stderr)).not.toMatch(/EPIPE|Unhandled|\n +at /);
    expect(String(r.stderr)).toMatch(/gth exit 0/);
  });

  it('stops quietly too when a kept answer is written straight to the pipe, before and after the parser', async () => {
    await sleep(RACY_MS + 100); // files this new are not indexed, so no answer could be kept
    for (let i = 0; i < 2; i++) await execa(GTH_ARGV[0]!, [...GTH_ARGV.slice(1), 'bead', 'list', '--json', '--dir', town], { env: { GTH_LOG_LEVEL: 'silent' } });
    for (const args of [`bead list --json --dir ${quote(town)}`, `bead list --json --dir=${quote(town)}`]) {
      const r = await intoHead(args);
      expect(String(r.stdout)).toBe('[');
      expect(String(r.stderr), args).not.toMatch(/EPIPE|Unhandled|unexpected|\n +at /);
      expect(String(r.stderr), args).toMatch(/gth exit 0/);
    }
  });
});
