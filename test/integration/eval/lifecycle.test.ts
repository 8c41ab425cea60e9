// Eval drives the one lifecycle engine: a Polecat run leaves the bead where run-epic's driver leaves it, and a review
// run honours the lifecycle's retry policy. Stand-in llama-servers, real git with bare remotes, the GUT stand-in.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { makeGodotShim, envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { OpenAICompatibleProvider } from '../../../src/providers/openai-compatible.js';
import { RetryPolicy } from '../../../src/providers/retry.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { LadderRouter } from '../../../src/agents/engine/router.js';
import { runConvoy, LOCAL_POLICY } from '../../../src/agents/engine/convoy-run.js';
import type { Bead } from '../../../src/beads/schema.js';
import { loadTaskSet, DEFAULT_TASKS_DIR, type EvalTask } from '../../../src/eval/tasks.js';
import { MeasuredProvider } from '../../../src/eval/measure.js';
import { runEvalTask } from '../../../src/eval/run-task.js';
import { createWorkspace } from '../../../src/eval/workspace.js';
import * as S from './scripts.js';

const log = pino({ level: 'silent' });
const retry = RetryPolicy.parse({ maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2 });
/** run-epic's policy with a back-off short enough for a test (the retry itself is what is checked). */
const POLICY = { ...LOCAL_POLICY, backoffMs: 5 };
const APPROVE = JSON.stringify({ verdict: 'approve', summary: 'Looks right.', comments: [], coverage: { ok: true, detail: 'ok' } });

let root: string;
let testEnv: NodeJS.ProcessEnv;
let good: FakeLlama, reviewer: FakeLlama, flaky: FakeLlama;

const provider = (f: FakeLlama, name: string): MeasuredProvider =>
  new MeasuredProvider(new OpenAICompatibleProvider({ baseUrl: `${f.url}/v1`, model: name, timeoutMs: 20_000, retry, sleep: async () => undefined, local: true }));
const task = (name: string): EvalTask => loadTaskSet(DEFAULT_TASKS_DIR, { names: [name] })[0]!;

async function evalRun(t: EvalTask, f: FakeLlama, convoyId: string): Promise<{ bead: Bead; record: Awaited<ReturnType<typeof runEvalTask>> }> {
  let bead: Bead | undefined;
  const record = await runEvalTask({
    task: t, model: { name: 'm', choice: { provider: provider(f, 'm'), label: 'local:m' } }, repeat: 0, convoyId, brief: briefText,
    attemptsPerModel: 2, contextBudget: 32_000, log, testEnv, costOf: async () => 0, policy: POLICY, tmp: root, onBead: (b) => (bead = b),
  });
  return { bead: bead!, record };
}

/** The bead's life as the store recorded it: each status move and the kind of note the engine wrote (ids as <bead>, <convoy>). */
const moves = (b: Bead): string[] =>
  b.history.map((h) => `${h.from ?? '-'}>${h.to ?? '-'} ${(h.note ?? '').split(/[:(]/)[0]!.trim()}`.replaceAll(b.id, '<bead>').replaceAll(b.convoy ?? '?', '<convoy>'));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gth-eval-life-'));
  testEnv = envWithShim(makeGodotShim());
  good = await startFakeLlama({ script: S.GOOD });
  reviewer = await startFakeLlama({ script: { rules: [{ match: 'Review the change for bead', reply: APPROVE }] } });
  // The first review call fails twice (its answer and the repair round): the review job crashes once.
  flaky = await startFakeLlama({ script: { rules: [{ match: 'Review the change for bead', reply: 'not json at all', times: 2 }, ...S.GOOD.rules] } });
}, 30_000);

afterAll(async () => {
  await Promise.all([good?.close(), reviewer?.close(), flaky?.close()]);
  rmSync(root, { recursive: true, force: true });
});

describe('gth eval drives the lifecycle engine', () => {
  it('a Polecat run leaves the bead as run-epic’s driver does: same moves, same attempt trail, merged into the convoy branch', async () => {
    const t = task('polecat-small-combo-bonus');
    const { bead, record } = await evalRun(t, good, 'eval-life-1');
    expect(record).toMatchObject({ passed: true, attempts: 1, calls: 1, error: null });

    // The same task's bead through runConvoy (what run-epic runs), with a Refinery model in the review seat.
    const ws = await createWorkspace(t, {
      router: new LadderRouter({ polecat: [{ provider: provider(good, 'p'), label: 'local:m' }], refinery: [{ provider: provider(reviewer, 'r'), label: 'local:r' }] }),
      brief: briefText, convoyId: 'eval-life-2', attemptsPerModel: 2, contextBudget: 32_000, log, testEnv, tmp: root,
    });
    try {
      await runConvoy(ws.ctx, { policy: POLICY });
      const epic = await ws.ctx.store.get(ws.bead.id);
      expect(bead.status).toBe('done');
      expect(bead.lifecycle).toEqual(epic.lifecycle);
      expect(moves(bead)).toEqual(moves(epic));
      expect(moves(bead)).toEqual([
        '->open created',
        'open>open added to convoy <convoy>',
        'open>in_progress started',
        'in_progress>in_progress attempt 1 with local',
        'in_progress>review tests green on polecat/<bead> with local',
        'review>review approved by refinery',
        'review>done merged into the convoy branch',
      ]);
      expect(bead.attempts.map((a) => [a.outcome, a.model])).toEqual(epic.attempts.map((a) => [a.outcome, a.model]));
      expect([bead.branch, bead.labels]).toEqual([`polecat/${bead.id}`, epic.labels]);
    } finally {
      ws.dispose();
    }
  }, 180_000);

  it('a review run whose review job crashes is retried by the lifecycle’s policy, not scored as an error', async () => {
    const { bead, record } = await evalRun(task('refinery-godot3-api'), flaky, 'eval-life-3');
    // Try 1: the answer and its repair round are not JSON (one failed call); try 2 gets the scripted review.
    expect(record).toMatchObject({ passed: true, error: null, calls: 2, defectsFound: 1, falseAlarms: 1 });
    expect(bead.history.map((h) => h.note ?? '')).toEqual(expect.arrayContaining([expect.stringMatching(/^refinery-review failure: .*; try 2 of 3/)]));
    // The review asked for changes and a review task stops at its first verdict: the bead fails with the review's words.
    expect(bead.status).toBe('failed');
    expect(bead.history.at(-1)!.note).toMatch(/changes requested 1 time\(s\) by refinery.*Godot 3 connect/s);
  }, 180_000);
});
