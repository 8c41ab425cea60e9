// Several real processes writing one bead: nothing lost, nothing torn.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { execa } from 'execa';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BeadStore } from '../../../src/beads/store.js';
import { TSX_LOADER, repoRoot } from '../../support/cli.js';
import { tempDir } from '../../support/git.js';

const WRITER = join(repoRoot, 'test', 'support', 'bead-writer.ts');
let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ path: root, cleanup } = await tempDir('gth-conc-')));
afterEach(() => cleanup());

describe('concurrent writers', () => {
  it('two processes updating one bead 200 times each keep all 400 history entries', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab' });
    const b = await store.create({ title: 'contended' });
    const run = (who: string) => execa(process.execPath, ['--import', TSX_LOADER, WRITER, store.dir, b.id, '200', who]);
    await Promise.all([run('alpha'), run('beta')]);
    const final = await store.get(b.id);
    const notes = final.history.map((h) => h.note ?? '');
    for (const who of ['alpha', 'beta']) {
      const mine = notes.filter((n) => n.startsWith(`${who} #`));
      expect(mine).toHaveLength(200);
      // Each writer's own updates stay in order.
      expect(mine).toEqual(Array.from({ length: 200 }, (_, i) => `${who} #${i}`));
    }
    expect(final.history).toHaveLength(401);
    expect((await readdir(store.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000);

  it('a writer killed with SIGKILL mid-loop leaves every bead file parsable', async () => {
    const store = new BeadStore({ dir: join(root, 'beads'), prefix: 'ab', lockStaleMs: 5000 });
    const b = await store.create({ title: 'victim' });
    for (let round = 0; round < 3; round++) {
      const child = execa(process.execPath, ['--import', TSX_LOADER, WRITER, store.dir, b.id, '100000', `k${round}`], {
        reject: false,
        env: { GTH_LOCK_STALE_MS: '5000' },
      });
      // Wait until it has written a few times, then kill it at an arbitrary moment.
      await new Promise<void>((resolve) => {
        let lines = 0;
        child.stdout!.on('data', (d: Buffer) => {
          lines += d.toString().split('\n').length - 1;
          if (lines >= 5 + round * 7) resolve();
        });
      });
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      child.kill('SIGKILL');
      await child;
      const text = await readFile(store.beadPath(b.id), 'utf8');
      expect(() => JSON.parse(text)).not.toThrow();
      const bead = await store.get(b.id);
      expect(bead.history.length).toBeGreaterThan(1);
    }
    // A killed holder's lock goes stale and is recovered: a new write still succeeds.
    const after = await store.update(b.id, (d) => void (d.title = 'survived'));
    expect(after.title).toBe('survived');
  }, 180_000);
});
