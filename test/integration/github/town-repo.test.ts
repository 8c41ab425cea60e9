// The app's clones: a stale index.lock is repaired, a hung remote times out instead of blocking, and other repositories go on meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TownRepos } from '../../../src/github/town-repo.js';
import { makeTown } from '../../support/github-town.js';
import { execa } from 'execa';

let root: string;
let hung: Server;
let hungUrl: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-town-repo-'));
  // A git server that accepts the connection and never answers.
  hung = createServer(() => undefined);
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}/o/hung.git`;
});
afterAll(async () => {
  hung.closeAllConnections();
  hung.close();
  await rm(root, { recursive: true, force: true });
});

describe('TownRepos', () => {
  it('repairs a clone left with a stale .git/index.lock', async () => {
    const { bare } = await makeTown(root);
    const warnings: string[] = [];
    const towns = new TownRepos({ stateDir: join(root, 'state'), remoteUrl: () => bare, log: { warn: (_o: unknown, m?: string) => void warnings.push(m ?? '') } });
    const repo = { owner: 'o', repo: 'r' };
    await towns.use(repo, undefined, (t) => t.resetTo('origin/main'));
    const lock = join(towns.dir(repo), '.git', 'index.lock');
    writeFileSync(lock, '');
    const head = await towns.use(repo, undefined, async (t) => {
      await t.resetTo('origin/main');
      return t.git(['rev-parse', 'HEAD']);
    });
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(existsSync(lock)).toBe(false);
    expect(warnings.some((w) => w.includes('index.lock'))).toBe(true);
  }, 60_000);

  it('times out a hung remote with a short error, while another repository is served meanwhile', async () => {
    const { bare } = await makeTown(root);
    const towns = new TownRepos({
      stateDir: join(root, 'state2'),
      remoteUrl: (r) => (r.repo === 'hung' ? hungUrl : bare),
      timeouts: { networkMs: 1500 },
    });
    const stuck = towns.use({ owner: 'o', repo: 'hung' }, undefined, async () => 'never');
    const fine = await towns.use({ owner: 'o', repo: 'ok' }, undefined, async (t) => t.defaultBranch);
    expect(fine).toBe('main');
    await expect(stuck).rejects.toThrow(/^git clone timed out after 2 s for o\/hung$/);
  }, 60_000);

  it('follows a renamed default branch: origin/HEAD is asked of the remote again once it no longer resolves', async () => {
    const { bare } = await makeTown(root);
    const towns = new TownRepos({ stateDir: join(root, 'state3'), remoteUrl: () => bare });
    const repo = { owner: 'o', repo: 'renamed' };
    expect(await towns.use(repo, undefined, async (t) => t.defaultBranch)).toBe('main');
    // On the server: the default branch becomes trunk and main is deleted (GitHub's "rename branch").
    await execa('git', ['--git-dir', bare, 'branch', '-m', 'main', 'trunk']);
    await execa('git', ['--git-dir', bare, 'symbolic-ref', 'HEAD', 'refs/heads/trunk']);
    const after = await towns.use(repo, undefined, async (t) => {
      await t.resetTo(`origin/${t.defaultBranch}`);
      return t.defaultBranch;
    });
    expect(after).toBe('trunk');
  }, 60_000);
});
