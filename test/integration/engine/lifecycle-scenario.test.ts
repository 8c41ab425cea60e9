// The scenario through `run-epic` on the one lifecycle engine: three beads; one bead's job is reported
// cancelled and retried, its review requests changes once (the feedback reaches the next Polecat attempt), then it
// is approved; the convoy ends delivered with every bead done and nothing in progress.
import { describe, it, expect } from 'vitest';
import nock from 'nock';
import { join } from 'node:path';
import { execa } from 'execa';
import { startFakeLlama } from '../../doubles/fake-llama.js';
import { envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { engineSandbox } from '../../support/engine-sandbox.js';
import { runEpic } from '../../../src/agents/engine/run-epic.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { BeadStore } from '../../../src/beads/store.js';
import { LOCAL_POLICY } from '../../../src/agents/engine/convoy-run.js';
import type { RunJobEffect } from '../../../src/lifecycle/machine.js';
import { HOST, log, gemini, EPIC, PLAN, RIGHT, REVIEW, CPU_RULES, setupRig, ladderRouter } from '../../support/engine-fixture.js';

const box = engineSandbox('gth-lifecycle-');

const THREE_BEADS = {
  ...PLAN,
  beads: [
    ...PLAN.beads,
    { key: 'check', title: 'Convoy tests and coverage', description: 'Run the whole suite on the convoy branch.', type: 'test', role: 'refinery', rig: 'aerobeat-mini', files: [], acceptance: ['all tests pass'], deps: ['bonus'], priority: 2 },
  ],
};
const CHANGES = { verdict: 'request_changes', summary: 'Say why only whole levels count.', comments: [{ path: 'scripts/combo_counter.gd', line: 1, body: 'add a comment: whole levels only' }], coverage: { ok: true, detail: 'measured' } };
const REVISION = ['scripts/combo_counter.gd', '<<<<<<< SEARCH', '\treturn 50 * (combo / hits_per_level)', '=======', '\t# Whole levels only.', '\treturn 50 * (combo / hits_per_level)', '>>>>>>> REPLACE'].join('\n');

describe('one lifecycle through run-epic', () => {
  it('three beads: a cancelled job retried, changes requested once then approved, all done and delivered', async () => {
    const { rig, remote, town } = await setupRig(box.root);
    const polecat = await startFakeLlama({
      script: {
        rules: [
          { match: 'Review comments to address', reply: REVISION },
          { match: 'Answer only with search/replace edit blocks', reply: RIGHT },
        ],
        default: '',
      },
    });
    const cpu = await startFakeLlama({
      script: { rules: [{ match: 'Review the change for bead', reply: JSON.stringify(CHANGES), times: 1 }, { match: 'Review the change for bead', reply: JSON.stringify(REVIEW) }, ...CPU_RULES], default: '{}' },
    });
    box.servers.push(polecat, cpu);
    nock(HOST)
      .post('/v1beta/models/gemini-3-flash-preview:generateContent')
      .reply(200, gemini(JSON.stringify({ answer: 'ComboCounter lives in scripts/combo_counter.gd.', found: true, citations: ['README.md'] })))
      .post('/v1beta/models/gemini-3-pro-preview:generateContent')
      .reply(200, gemini(JSON.stringify(THREE_BEADS)));

    // The first Polecat job is reported cancelled (as a runner would), without running: the engine retries it.
    const started: RunJobEffect[] = [];
    let cancelled = false;
    const summary = await runEpic({
      epicText: EPIC, rigDir: rig, townDir: town, router: ladderRouter({ small: polecat.url, big: polecat.url, cpu: cpu.url }), brief: briefText,
      commit: true, log, testEnv: envWithShim(box.shim), policy: { ...LOCAL_POLICY, backoffMs: 1 },
      effects: (local) => ({
        ...local,
        jobs: {
          start: async (e, bead) => {
            started.push(e);
            if (e.job === 'polecat' && !cancelled) {
              cancelled = true;
              return [{ beadId: bead.id, event: { type: 'jobFailed', job: 'polecat', outcome: 'cancelled', reason: 'the runner cancelled the job' } }];
            }
            return local.jobs.start(e, bead);
          },
        },
      }),
    });
    expect(nock.isDone()).toBe(true);

    const store = new BeadStore({ dir: join(town, 'beads') });
    const beads = await store.list();
    expect(beads.map((b) => b.status)).toEqual(['done', 'done', 'done']);
    expect(summary.beads.every((b) => b.status === 'done')).toBe(true);
    expect(summary.refusals).toEqual([]);
    const bonus = beads.find((b) => b.role === 'polecat')!;
    expect(bonus.history.filter((h) => h.from !== h.to).map((h) => `${h.from}->${h.to}`)).toEqual([
      'null->open', 'open->in_progress', 'in_progress->review', 'review->in_progress', 'in_progress->review', 'review->done',
    ]);
    const notes = bonus.history.map((h) => h.note ?? '');
    expect(notes).toContain('polecat cancelled: the runner cancelled the job; try 2 of 3 in 0 s');
    expect(notes).toContain('changes requested by refinery (revision 1)');
    expect(bonus.lifecycle).toEqual({ step: 'done', job: null, tries: 0, revisions: 1, feedback: null, retryAt: null });

    // Jobs in order: tests, the cancelled Polecat and its retry, review, the revision with the feedback, review again; then the others.
    const bonusJobs = started.filter((e) => e.beadId === bonus.id).map((e) => `${e.job}#${e.try}`);
    expect(bonusJobs).toEqual(['refinery-tests#1', 'polecat#1', 'polecat#2', 'refinery-review#1', 'polecat#1', 'refinery-review#1']);
    expect(started.filter((e) => e.beadId === bonus.id && e.job === 'polecat').map((e) => e.feedback)).toEqual([
      null, null, 'Say why only whole levels count.\nscripts/combo_counter.gd:1: add a comment: whole levels only',
    ]);
    const revisionPrompt = JSON.stringify(polecat.requests.at(-1));
    expect(revisionPrompt).toContain('add a comment: whole levels only');

    // The convoy branch holds the revised code; the convoy is delivered.
    const code = (await execa('git', ['show', `${summary.convoyBranch}:scripts/combo_counter.gd`], { cwd: remote })).stdout;
    expect(code).toContain('\t# Whole levels only.\n\treturn 50 * (combo / hits_per_level)');
    expect((await store.getConvoy(summary.convoyId)).lifecycle).toEqual({ status: 'delivered', pr: null });
    expect(summary.convoyTests?.passed).toBe(true);
  }, 240_000);
});
