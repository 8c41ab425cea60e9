// Two runners racing to claim one bead through one bare remote: exactly one wins.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { gth } from '../../support/cli.js';
import { tempDir, bareRemote, git } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ path: root, cleanup } = await tempDir('gth-claim-')));
afterEach(() => cleanup());

describe('gth bead claim --push', () => {
  it('lets exactly one of two racing claimers win; the other is told who holds it', async () => {
    const remote = await bareRemote(root);
    const setup = await remote.clone('setup');
    const created = await gth(['bead', 'create', '--title', 'Contested bead', '--commit'], { cwd: setup });
    expect(created.exitCode).toBe(0);
    const id = String(created.stdout).trim();
    // A second, unrelated bead so each claimer's clone also moves the remote sometimes.
    await git(setup, 'push', '-q', 'origin', 'main');
    const a = await remote.clone('runner-a');
    const b = await remote.clone('runner-b');
    const [ra, rb] = await Promise.all([
      gth(['bead', 'claim', id, '--push', '--agent', 'runner-a'], { cwd: a }),
      gth(['bead', 'claim', id, '--push', '--agent', 'runner-b'], { cwd: b }),
    ]);
    const results = [ra, rb];
    const winners = results.filter((r) => r.exitCode === 0);
    const losers = results.filter((r) => r.exitCode !== 0);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const winner = String(winners[0]!.stdout).includes('runner-a') ? 'runner-a' : 'runner-b';
    expect(String(losers[0]!.stderr)).toContain(`already claimed by ${winner}`);
    // The remote holds exactly one claim, by the winner.
    const check = await remote.clone('check');
    const shown = await gth(['bead', 'show', id, '--json'], { cwd: check });
    const bead = JSON.parse(String(shown.stdout));
    expect(bead.status).toBe('in_progress');
    expect(bead.assignee.agent).toBe(winner);
    expect(bead.history.filter((h: { to: string }) => h.to === 'in_progress')).toHaveLength(1);
    const log = await git(check, 'log', '--format=%s');
    expect(log.split('\n').filter((l) => l.includes('open -> in_progress'))).toHaveLength(1);
  }, 120_000);

  it('two runners claiming different beads both win: a rejected push is retried on the moved remote', async () => {
    const remote = await bareRemote(root);
    const setup = await remote.clone('setup');
    const ids: string[] = [];
    for (const t of ['A', 'B']) ids.push(String((await gth(['bead', 'create', '--title', t, '--commit'], { cwd: setup })).stdout).trim());
    await git(setup, 'push', '-q', 'origin', 'main');
    const a = await remote.clone('runner-a');
    const b = await remote.clone('runner-b');
    const [ra, rb] = await Promise.all([
      gth(['bead', 'claim', ids[0]!, '--push', '--agent', 'runner-a'], { cwd: a }),
      gth(['bead', 'claim', ids[1]!, '--push', '--agent', 'runner-b'], { cwd: b }),
    ]);
    expect([ra.exitCode, rb.exitCode]).toEqual([0, 0]);
    const check = await remote.clone('check');
    const list = JSON.parse(String((await gth(['bead', 'list', '--json'], { cwd: check })).stdout)) as { id: string; assignee: { agent: string } }[];
    expect(Object.fromEntries(list.map((x) => [x.id, x.assignee.agent]))).toEqual({ [ids[0]!]: 'runner-a', [ids[1]!]: 'runner-b' });
    // Linear history on the remote: claims were rebased, not merged.
    expect(await git(check, 'log', '--merges', '--format=%h')).toBe('');
  }, 120_000);
});
