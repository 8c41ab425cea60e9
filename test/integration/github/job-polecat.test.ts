// `gth job polecat` on a runner checkout of the convoy branch: the stand-in llama-server as the runtime's coder, the GUT stand-in as godot, a bare remote.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import { engineSandbox } from '../../support/engine-sandbox.js';
import { gth } from '../../support/cli.js';
import { FakeGitHub } from '../../support/github-fake.js';
import { BEAD, CONVOY, bonusEdit, gitIn, makeTown, registerServer, runnerJobEnv, seedConvoy } from '../../support/github-town.js';
import { BeadStore } from '../../../src/beads/store.js';
import { claimBead } from '../../../src/beads/claim.js';
import { parseBeadText } from '../../../src/beads/serialize.js';
import { createEngineJobRunner } from '../../../src/agents/engine/jobs.js';
import { jobGitHubFromEnv } from '../../../src/github/job-github.js';

// The runtime's coder: a stand-in llama-server whose edit makes the bonus tests pass.
const box = engineSandbox('gth-job-', {
  llama: { script: { rules: [{ match: 'Answer only with search/replace edit blocks', reply: bonusEdit('50 * (combo / hits_per_level)') }], default: '' } },
});

/** A runner's checkout as actions/checkout leaves it: the convoy branch, no commit identity, the runtime's state folder. */
async function runnerSetup(name: string, coderUrl = box.llama.url) {
  const { bare, work } = await makeTown(await mkdtemp(join(box.root, `${name}-`)));
  await seedConvoy(work);
  const runner = join(box.root, `${name}-runner`);
  await execa('git', ['clone', '-q', '--branch', `convoy/${CONVOY}`, bare, runner]);
  const stateDir = join(box.root, `${name}-state`);
  registerServer(stateDir, 'Qwen2.5-Coder-3B-Instruct', coderUrl);
  const env = runnerJobEnv({ shim: box.shim, stateDir, ledger: join(box.root, `${name}-ledger.jsonl`), worktrees: join(box.root, `${name}-worktrees`) });
  const beadOnRemote = async () => parseBeadText(await gitIn(bare, 'show', `convoy/${CONVOY}:beads/${BEAD}.json`), 'remote');
  return { bare, runner, env, stateDir, beadOnRemote };
}

describe('gth job polecat', () => {
  it('claims the bead, makes the tests pass with the runtime coder, pushes the branch and moves the bead to review', async () => {
    const { bare, runner, env, beadOnRemote } = await runnerSetup('cli');
    const before = box.llama.requests.length;
    const res = await gth(['job', 'polecat', '--bead', BEAD, '--json'], { cwd: runner, env });
    expect(res.stderr).toBe('');
    expect(res.exitCode).toBe(0);
    const out = JSON.parse(String(res.stdout)) as { ok: boolean; summary: string };
    expect(out.ok).toBe(true);
    expect(out.summary).toContain(`open the PR from polecat/${BEAD} into convoy/${CONVOY}`);
    expect(box.llama.requests.length - before).toBe(1);

    // The branch on the remote holds the code; the tests written first are untouched.
    expect(await gitIn(bare, 'show', `polecat/${BEAD}:scripts/combo_counter.gd`)).toContain('func bonus_points() -> int:\n\treturn 50 * (combo / hits_per_level)');
    expect(await gitIn(bare, 'diff', '--name-only', `convoy/${CONVOY}...polecat/${BEAD}`)).toBe('scripts/combo_counter.gd');

    const bead = await beadOnRemote();
    expect(bead.status).toBe('review');
    expect(bead.branch).toBe(`polecat/${BEAD}`);
    expect(bead.assignee).toEqual({ agent: `polecat-${BEAD}`, model: 'local:Qwen2.5-Coder-3B-Instruct' });
    expect(bead.attempts.map((a) => [a.model, a.outcome])).toEqual([['local:Qwen2.5-Coder-3B-Instruct', 'pass']]);
    expect(bead.history.filter((h) => h.from !== h.to).map((h) => `${h.from}->${h.to}`)).toEqual(['null->open', 'open->in_progress', 'in_progress->review']);
    // The call was metered into the ledger.
    expect(await readFile(env.GTH_LEDGER!, 'utf8')).toContain(BEAD);
  }, 60_000);

  it('keeps the claim the workflow made and opens the PR into the convoy branch with the installation token', async () => {
    const { bare, runner, env, beadOnRemote } = await runnerSetup('pr');
    // The workflow's `gth bead claim --push` step, as another agent name.
    await gitIn(runner, 'config', 'user.name', 'runner');
    await gitIn(runner, 'config', 'user.email', 'runner@example.invalid');
    await claimBead(new BeadStore({ dir: join(runner, 'beads'), actor: 'runner-1' }), BEAD, { assignee: { agent: 'runner-1', model: null }, push: true });
    const fake = new FakeGitHub()
      .on('pulls/list', () => [200, []])
      .on('pulls/create', () => [201, { number: 7, html_url: 'https://github.com/Codertocat/Hello-World/pull/7' }])
      .start();
    try {
      const result = await createEngineJobRunner({ log: pino({ level: 'silent' }), pullRequests: jobGitHubFromEnv }).run(
        { kind: 'polecat', beadId: BEAD, pr: null, convoy: CONVOY, cwd: runner },
        { ...env, GTH_GITHUB_TOKEN: 'ghs_installation', GITHUB_REPOSITORY: 'Codertocat/Hello-World' },
      );
      expect(result).toEqual({ ok: true, summary: expect.stringContaining('PR #7 opened: https://github.com/Codertocat/Hello-World/pull/7') });
      expect(fake.calls('pulls/create').map((r) => r.body)).toEqual([
        expect.objectContaining({ head: `polecat/${BEAD}`, base: `convoy/${CONVOY}`, title: `${BEAD}: Add ComboCounter.bonus_points()` }),
      ]);
      expect(fake.violations).toEqual([]);
    } finally {
      fake.stop();
    }
    const bead = await beadOnRemote();
    expect(bead.status).toBe('review');
    expect(bead.pr).toBe(7);
    // One claim only: the workflow's.
    expect(bead.history.filter((h) => h.to === 'in_progress' && h.from !== h.to).map((h) => h.by)).toEqual(['runner-1']);
    expect(await gitIn(bare, 'branch', '--list', `polecat/${BEAD}`)).toContain(`polecat/${BEAD}`);
  }, 60_000);

  it('leaves a failed attempt to the run\'s conclusion: exits non-zero and records no failure on the bead', async () => {
    // A coder whose code never makes the tests pass: the Polecat gives up.
    const wrong = await box.serve({ script: { rules: [{ match: 'Answer only with search/replace edit blocks', reply: bonusEdit('0') }], default: '' } });
    const { runner, env, beadOnRemote } = await runnerSetup('gaveup', wrong.url);
    const res = await gth(['job', 'polecat', '--bead', BEAD, '--json'], { cwd: runner, env: { ...env, GTH_ATTEMPTS: '1' } });
    expect(res.exitCode).toBe(1);
    expect((JSON.parse(String(res.stdout)) as { ok: boolean; summary: string }).summary).toMatch(/^polecat gave up: /);
    // The app counts the try from the workflow_run failure (once), retries or escalates on the epic.
    const bead = await beadOnRemote();
    expect(bead.status).toBe('in_progress');
    expect(bead.lifecycle?.tries ?? 0).toBe(0);
    expect(bead.history.some((h) => h.to === 'failed')).toBe(false);
  }, 60_000);

  it('does nothing for a run of an earlier attempt (a re-run from the Actions page), and refuses an attempt of another form', async () => {
    const { bare, runner, env } = await runnerSetup('stale');
    // The app counted the first try's failure: the bead's Polecat is at its second try (r0t2), dispatched on its own.
    const store = new BeadStore({ dir: join(runner, 'beads'), actor: 'app' });
    await store.update(BEAD, (d) => void (d.lifecycle = { step: 'code', job: 'polecat', tries: 1, revisions: 0, feedback: null, retryAt: null }));
    await gitIn(runner, 'commit', '-qam', 'second try due');
    await gitIn(runner, 'push', '-q', 'origin', `convoy/${CONVOY}`);
    const head = await gitIn(bare, 'rev-parse', `convoy/${CONVOY}`);
    const before = box.llama.requests.length;
    const res = await gth(['job', 'polecat', '--bead', BEAD, '--attempt', 'r0t1', '--json'], { cwd: runner, env });
    expect(res.exitCode, String(res.stderr)).toBe(0);
    expect(JSON.parse(String(res.stdout))).toMatchObject({
      ok: true, summary: `nothing to do: this run is attempt r0t1 of the polecat job, and bead ${BEAD} is at attempt r0t2 of its polecat job`,
    });
    expect(box.llama.requests.length).toBe(before); // no model was asked
    expect(await gitIn(bare, 'rev-parse', `convoy/${CONVOY}`)).toBe(head); // nothing pushed
    const bad = await gth(['job', 'polecat', '--bead', BEAD, '--attempt', 'second'], { cwd: runner, env });
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toContain('--attempt: expected a lifecycle attempt such as r0t1');
  }, 60_000);

  it('refuses a bead whose tests were not written first, changing nothing', async () => {
    const { bare, runner, env } = await runnerSetup('notests');
    const store = new BeadStore({ dir: join(runner, 'beads'), actor: 'owner' });
    await store.update(BEAD, (d) => void (d.labels = d.labels.filter((l) => l !== 'tests-written')));
    await gitIn(runner, 'commit', '-qam', 'drop label');
    await gitIn(runner, 'push', '-q', 'origin', `convoy/${CONVOY}`);
    const head = await gitIn(bare, 'rev-parse', `convoy/${CONVOY}`);
    const result = await createEngineJobRunner({ log: pino({ level: 'silent' }) }).run({ kind: 'polecat', beadId: BEAD, pr: null, convoy: null, cwd: runner }, env);
    expect(result).toEqual({ ok: false, summary: `bead ${BEAD} has no tests yet: the refinery-tests job runs before the Polecat` });
    expect(await gitIn(bare, 'rev-parse', `convoy/${CONVOY}`)).toBe(head);
  }, 60_000);
});
