// Every bead/convoy CLI command against a temp git repo, as a user would type them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gth, repoRoot } from '../../support/cli.js';
import { tempDir, initRepo, git } from '../../support/git.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('gth-cli-'));
  await initRepo(root);
  await git(root, 'commit', '--allow-empty', '-qm', 'init');
});
afterAll(() => cleanup());

const run = (args: string[]) => gth(args, { cwd: root, env: { GTH_ACTOR: 'tester' } });
const json = async (args: string[]) => {
  const r = await run([...args, '--json']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return JSON.parse(String(r.stdout));
};

describe('gth bead / convoy / beads commands', () => {
  it('runs a bead through its life and reports it in every read command', async () => {
    const convoy = await json(['convoy', 'create', '--title', 'Combo system', '--epic', '7', '--repo', 'aerobeat/game']);
    const a = await json(['bead', 'create', '--title', 'Combo counter', '--role', 'polecat', '--priority', '1', '--convoy', convoy.id,
      '--accept', 'combo resets on miss', '--file', 'scripts/combo.gd', '--label', 'gameplay', '--tokens', '4200', '--commit']);
    const b = await json(['bead', 'create', '--title', 'Combo UI', '--dep', `${a.id}`, '--convoy', convoy.id]);
    expect(b.dependencies).toEqual([{ id: a.id, kind: 'blocks' }]);
    expect(a).toMatchObject({ role: 'polecat', priority: 1, acceptance: ['combo resets on miss'], files: ['scripts/combo.gd'], tokenEstimate: 4200, convoy: convoy.id });
    expect((await git(root, 'log', '-2', '--format=%s')).split('\n')).toEqual([`convoy ${convoy.id}: add ${a.id}`, `bead ${a.id}: create "Combo counter"`]);

    expect((await json(['bead', 'ready'])).map((x: { id: string }) => x.id)).toEqual([a.id]);
    const claimed = await json(['bead', 'claim', a.id, '--agent', 'polecat-1', '--model', 'qwen2.5-coder-3b']);
    expect(claimed.assignee).toEqual({ agent: 'polecat-1', model: 'qwen2.5-coder-3b' });
    const again = await run(['bead', 'claim', a.id, '--agent', 'polecat-2']);
    expect(again.exitCode).toBe(1);
    expect(String(again.stderr)).toContain('already claimed by polecat-1');

    await json(['bead', 'update', a.id, '--status', 'review', '--pr', '12', '--branch', `polecat/${a.id}`, '--note', 'PR opened']);
    const closed = await json(['bead', 'close', a.id, '--reason', 'merged']);
    expect(closed.status).toBe('done');
    expect((await json(['bead', 'ready'])).map((x: { id: string }) => x.id)).toEqual([b.id]);
    expect((await json(['bead', 'list', '--status', 'done'])).map((x: { id: string }) => x.id)).toEqual([a.id]);

    const shown = await json(['bead', 'show', a.id]);
    expect(shown.history.map((h: { to: string }) => h.to)).toEqual(['open', 'in_progress', 'review', 'done']);
    expect(shown.history.at(-1)).toMatchObject({ by: 'tester', from: 'review', to: 'done', note: 'merged' });
    const human = await run(['bead', 'show', a.id]);
    expect(String(human.stdout)).toContain('review -> done  merged');

    const cv = await json(['convoy', 'show', convoy.id]);
    expect(cv.beads).toEqual([a.id, b.id]);
    expect(cv.progress).toMatchObject({ total: 2, percentDone: 50 });
    expect(cv.epic).toEqual({ repo: 'aerobeat/game', issue: 7 });
    expect((await json(['convoy', 'list'])).map((c: { id: string }) => c.id)).toEqual([convoy.id]);
    expect(await json(['beads', 'check'])).toEqual({ checked: 2, problems: [], warnings: [] });
  }, 120_000);

  it('answers bad usage with exit 2 and names the flag, id or transition', async () => {
    const badFlag = await run(['bead', 'list', '--colour']);
    expect(badFlag.exitCode).toBe(2);
    expect(String(badFlag.stderr)).toContain("unknown option '--colour'");
    const badPriority = await run(['bead', 'create', '--title', 'x', '--priority', '7']);
    expect(badPriority.exitCode).toBe(2);
    expect(String(badPriority.stderr)).toContain('--priority must be an integer from 0 to 4');
    const unknown = await run(['bead', 'show', 'zz-nope']);
    expect(unknown.exitCode).toBe(2);
    expect(String(unknown.stderr)).toContain('unknown bead id "zz-nope"');
    const badDep = await run(['bead', 'create', '--title', 'x', '--dep', 'zz-nope']);
    expect(badDep.exitCode).toBe(2);
    const id = String((await run(['bead', 'create', '--title', 'x'])).stdout).trim();
    const illegal = await run(['bead', 'update', id, '--status', 'review']);
    expect(illegal.exitCode).toBe(1);
    expect(String(illegal.stderr)).toContain('cannot move from open to review');
    const help = await run(['bead', 'claim', '--help']);
    expect(help.exitCode).toBe(0);
    expect(String(help.stdout)).toContain('--push');
  }, 60_000);

  it('gth beads check lists every problem in the folder and exits 1 without touching files', async () => {
    const { path: dir, cleanup: done } = await tempDir('gth-check-');
    await initRepo(dir);
    try {
      const r = (args: string[]) => gth([...args, '--dir', dir]);
      const x = String((await r(['bead', 'create', '--title', 'x'])).stdout).trim();
      const y = String((await r(['bead', 'create', '--title', 'y', '--dep', x])).stdout).trim();
      const xFile = join(dir, 'beads', `${x}.json`);
      const xBead = JSON.parse(await readFile(xFile, 'utf8'));
      xBead.dependencies = [{ id: y, kind: 'blocks' }];
      await writeFile(xFile, JSON.stringify(xBead, null, 2));
      await writeFile(join(dir, 'beads', 'to-torn.json'), '{"id": "to-torn", "title": ');
      await writeFile(join(dir, 'beads', 'to-dang.json'), JSON.stringify({ ...xBead, id: 'to-dang', dependencies: [{ id: 'to-zzz', kind: 'blocks' }] }));
      const res = await r(['beads', 'check', '--json']);
      expect(res.exitCode).toBe(1);
      const report = JSON.parse(String(res.stdout));
      const messages = report.problems.map((p: { message: string }) => p.message).join('\n');
      expect(messages).toContain('to-torn.json');
      expect(messages).toMatch(/not valid JSON at line 1/);
      expect(messages).toContain('depends on to-zzz, which does not exist');
      expect(messages).toMatch(new RegExp(`dependency cycle: (${x} -> ${y} -> ${x}|${y} -> ${x} -> ${y})`));
      expect(await readFile(join(dir, 'beads', 'to-torn.json'), 'utf8')).toBe('{"id": "to-torn", "title": ');
      const listing = await r(['bead', 'list']);
      expect(listing.exitCode).toBe(1);
      expect(String(listing.stderr)).toContain('to-torn.json');
    } finally {
      await done();
    }
  }, 60_000);
});

describe('gth beads import / export', () => {
  it('imports a real bd issues.jsonl and exports it back record for record', async () => {
    const { path: dir, cleanup: done } = await tempDir('gth-bd-');
    await initRepo(dir);
    try {
      const fixture = join(repoRoot, 'test', 'fixtures', 'bd', 'gastown-issues.sample.jsonl');
      const imported = await gth(['beads', 'import', fixture, '--dir', dir, '--json']);
      expect(imported.exitCode, String(imported.stderr)).toBe(0);
      const lines = (await readFile(fixture, 'utf8')).split('\n').filter(Boolean);
      expect(JSON.parse(String(imported.stdout))).toMatchObject({ imported: lines.length, skippedExisting: 0 });
      const out = join(dir, 'export.jsonl');
      expect((await gth(['beads', 'export', '--dir', dir, '--out', out])).exitCode).toBe(0);
      const byId = (text: string) => new Map(text.split('\n').filter(Boolean).map((l) => [JSON.parse(l).id as string, JSON.parse(l)]));
      const original = byId(lines.join('\n'));
      const exported = byId(await readFile(out, 'utf8'));
      expect(exported.size).toBe(original.size);
      for (const [id, record] of original) expect(exported.get(id), id).toEqual(record);
      // A second import changes nothing.
      const again = await gth(['beads', 'import', fixture, '--dir', dir, '--json']);
      expect(JSON.parse(String(again.stdout))).toMatchObject({ imported: 0, skippedExisting: lines.length });
      const bad = join(dir, 'bad.jsonl');
      await writeFile(bad, '{"id":"gt-1","title":"ok","status":"open","priority":2,"issue_type":"task","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}\n{"id": oops}\n');
      const refused = await gth(['beads', 'import', bad, '--dir', dir]);
      expect(refused.exitCode).toBe(1);
      expect(String(refused.stderr)).toContain('bad.jsonl:2');
    } finally {
      await done();
    }
  }, 120_000);
});
