// Scores from real runs: two stand-in llama-servers (a "good" and a "bad" model) on four shipped tasks, through the
// engine, a real git rig with a bare remote, the GUT stand-in as `godot`, the cost ledger and a stand-in nvidia-smi.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { makeGodotShim, envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { repoRoot } from '../../support/cli.js';
import { OpenAICompatibleProvider } from '../../../src/providers/openai-compatible.js';
import { RetryPolicy } from '../../../src/providers/retry.js';
import { LedgerMeter } from '../../../src/cost/meter.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { readLedger } from '../../../src/cost/ledger.js';
import { NvidiaSmi } from '../../../src/runtime/gpu.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { loadTaskSet, DEFAULT_TASKS_DIR } from '../../../src/eval/tasks.js';
import { MeasuredProvider } from '../../../src/eval/measure.js';
import { runEval } from '../../../src/eval/runner.js';
import type { EvalModel } from '../../../src/eval/models.js';
import type { EvalResults, RunRecord } from '../../../src/eval/results-schema.js';
import { hallucinatingModels, preferredModel } from '../../../src/eval/feedback.js';
import * as S from './scripts.js';

const log = pino({ level: 'silent' });
const retry = RetryPolicy.parse({ maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2 });
const TASKS = ['polecat-small-combo-bonus', 'polecat-small-beat-grade', 'refinery-godot3-api', 'librarian-combo-counter'];

let root: string;
let good: FakeLlama, bad: FakeLlama;
let results: EvalResults;
let ledger: string;

function model(f: FakeLlama, name: string, meter: LedgerMeter): EvalModel {
  const inner = new OpenAICompatibleProvider({ baseUrl: `${f.url}/v1`, model: name, timeoutMs: 20_000, retry, sleep: async () => undefined, local: true, meter });
  return { name, choice: { provider: new MeasuredProvider(inner), label: `local:${name}` }, info: { name, label: `local:${name}`, file: null, sha256: null, note: '' } };
}

const run = (m: string, task: string): RunRecord => results.runs.find((r) => r.model === m && r.task === task)!;
const score = (m: string, role: string) => results.scores.find((s) => s.model === m && s.role === role)!;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gth-eval-score-'));
  ledger = join(root, 'ledger.jsonl');
  const smiState = join(root, 'smi.json');
  writeFileSync(smiState, JSON.stringify({ gpus: [{ name: 'NVIDIA GeForce RTX 3080', uuid: 'GPU-1', memoryUsedMiB: 6144, memoryTotalMiB: 10240, powerDrawW: 220, utilizationPct: 90 }], apps: [] }));
  good = await startFakeLlama({ script: S.GOOD });
  bad = await startFakeLlama({ script: S.BAD });
  const meter = new LedgerMeter({ ledgerPath: ledger, prices: loadPrices(), localWatts: 300 });
  const smi = new NvidiaSmi(join(repoRoot, 'test', 'doubles', 'bin', 'nvidia-smi'), { ...process.env, FAKE_NVIDIA_SMI_STATE: smiState });
  results = await runEval({
    tasks: loadTaskSet(DEFAULT_TASKS_DIR, { names: TASKS }),
    models: [model(good, 'qwen-good', meter), model(bad, 'smol-bad', meter)],
    repeat: 1,
    tasksDir: DEFAULT_TASKS_DIR,
    brief: briefText,
    attemptsPerModel: 2,
    contextBudget: 32_000,
    log,
    testEnv: envWithShim(makeGodotShim()),
    vram: { read: () => smi.read() },
    costOf: async (c) => (await readLedger(ledger)).entries.filter((e) => e.convoy === c).reduce((n, e) => n + e.money.totalUsd, 0),
    id: 'test01',
    tmp: root,
  });
}, 300_000);

afterAll(async () => {
  await Promise.all([good?.close(), bad?.close()]);
  rmSync(root, { recursive: true, force: true });
});

describe('eval scoring against scripted stand-in servers', () => {
  it('records pass, attempts and guard hits per Polecat run as scripted', () => {
    const pick = (r: RunRecord) => ({ passed: r.passed, attempts: r.attempts, guardHits: r.guardHits, calls: r.calls, error: r.error });
    // good: right first time; Godot 3-ism, guard feedback, then the fix (2 rounds).
    expect(pick(run('qwen-good', 'polecat-small-combo-bonus'))).toEqual({ passed: true, attempts: 1, guardHits: 0, calls: 1, error: null });
    expect(pick(run('qwen-good', 'polecat-small-beat-grade'))).toEqual({ passed: true, attempts: 2, guardHits: 1, calls: 2, error: null });
    // bad: wrong maths twice; Godot 3-ism twice.
    expect(pick(run('smol-bad', 'polecat-small-combo-bonus'))).toEqual({ passed: false, attempts: 2, guardHits: 0, calls: 2, error: null });
    expect(pick(run('smol-bad', 'polecat-small-beat-grade'))).toEqual({ passed: false, attempts: 2, guardHits: 2, calls: 2, error: null });
  });

  it('scores reviews by the ±2 line / keyword rule and Librarian code changes', () => {
    const rv = (r: RunRecord) => ({ passed: r.passed, planted: r.defectsPlanted, found: r.defectsFound, falseAlarms: r.falseAlarms });
    // good: comment on line 37 (planted 38) finds it; the beat_scorer comment is a false alarm.
    expect(rv(run('qwen-good', 'refinery-godot3-api'))).toEqual({ passed: true, planted: 1, found: 1, falseAlarms: 1 });
    // bad: a comment 28 lines away without a keyword: nothing found, one false alarm.
    expect(rv(run('smol-bad', 'refinery-godot3-api'))).toEqual({ passed: false, planted: 1, found: 0, falseAlarms: 1 });
    const lib = (r: RunRecord) => ({ passed: r.passed, codeChanges: r.codeChanges, calls: r.calls });
    expect(lib(run('qwen-good', 'librarian-combo-counter'))).toEqual({ passed: true, codeChanges: 0, calls: 2 });
    // bad changed `combo += 1`: the engine rejects the change and skips the README call.
    expect(lib(run('smol-bad', 'librarian-combo-counter'))).toEqual({ passed: false, codeChanges: 1, calls: 1 });
  });

  it('aggregates scores per model and role to the hand-computed figures', () => {
    const g = score('qwen-good', 'polecat');
    expect([g.passRate.mean, g.passRateByBand.small?.mean, g.passRateByBand.medium, g.attempts.mean, g.guardHits.mean, g.guardHitRate]).toEqual([1, 1, null, 1.5, 1, 1 / 3]);
    const b = score('smol-bad', 'polecat');
    expect([b.passRate.mean, b.passRateByBand.small?.mean, b.attempts.mean, b.guardHits.mean, b.guardHitRate, b.costPerPassedTask]).toEqual([0, 0, 2, 2, 0.5, null]);
    expect([score('qwen-good', 'refinery').defectsFound.mean, score('qwen-good', 'refinery').defectsPlanted, score('qwen-good', 'refinery').falseAlarms.mean]).toEqual([1, 1, 1]);
    expect([score('smol-bad', 'refinery').defectsFound.mean, score('smol-bad', 'refinery').passRate.mean]).toEqual([0, 0]);
    expect([score('qwen-good', 'librarian').codeChanges.mean, score('smol-bad', 'librarian').codeChanges.mean]).toEqual([0, 1]);
    expect(results.scores).toHaveLength(6);
  });

  it('counts tokens as the server did: completions from the scripted replies, prompts from the requests it got', () => {
    const completions = {
      'qwen-good': [S.COMBO_RIGHT, S.GRADE_GODOT3, S.GRADE_FIX, S.REVIEW_GOOD, S.DOCS_GOOD, S.README],
      'smol-bad': [S.COMBO_WRONG, S.COMBO_WRONG, S.GRADE_GODOT3, S.GRADE_GODOT3, S.REVIEW_BAD, S.DOCS_BAD],
    };
    for (const [m, server] of [['qwen-good', good], ['smol-bad', bad]] as const) {
      const mine = results.runs.filter((r) => r.model === m);
      expect(mine.reduce((n, r) => n + r.completionTokens, 0)).toBe(completions[m].reduce((n, t) => n + S.approx(t), 0));
      const texts = (server.requests as { messages: { content: string }[] }[]).map((q) => q.messages.map((x) => x.content).join('\n'));
      const prompts = texts.map(S.approx);
      expect(mine.reduce((n, r) => n + r.promptTokens, 0)).toBe(prompts.reduce((a, c) => a + c, 0));
      expect(run(m, 'polecat-small-combo-bonus').firstPromptTokens).toBe(prompts[texts.findIndex((t) => t.includes('Add ComboCounter.bonus_points()'))]);
      for (const r of mine) {
        expect(r.tokensPerSecond).toBeCloseTo(r.completionTokens / r.callSeconds, 6);
        expect(r.ttftMs).not.toBeNull();
        expect(r.ttftMs!).toBeLessThanOrEqual(r.callSeconds * 1000);
        expect(r.vramPeakMiB).toBe(6144);
      }
    }
  });

  it('takes each run’s cost from its own convoy in the ledger', async () => {
    const entries = (await readLedger(ledger)).entries;
    for (const r of results.runs) {
      const own = entries.filter((e) => e.convoy === r.convoyId);
      expect(own).toHaveLength(r.calls);
      expect(r.costUsd).toBeCloseTo(own.reduce((n, e) => n + e.money.totalUsd, 0), 10);
      expect(r.costUsd).toBeGreaterThan(0);
    }
    const g = score('qwen-good', 'polecat');
    const gRuns = results.runs.filter((r) => r.model === 'qwen-good' && r.kind === 'polecat');
    expect(g.costPerPassedTask).toBeCloseTo(gRuns.reduce((n, r) => n + r.costUsd, 0) / 2, 12);
  });

  it('feeds the switcher: the good model is preferred for small prompts, the bad one hallucinates', () => {
    // Guard hits per call over all roles: good 1/6, bad 2/6.
    expect(hallucinatingModels(results, 0.25)).toEqual(['smol-bad']);
    expect(hallucinatingModels(results, 0.4)).toEqual([]);
    expect(preferredModel(results, 'polecat', 3000)).toBe('qwen-good');
    expect(preferredModel(results, 'polecat', 9000)).toBeNull();
    expect(preferredModel(results, 'refinery', 3000)).toBe('qwen-good');
  });
});
