// The whole pipeline on one machine: Crew and Mayor on Gemini (HTTP-mocked), Refinery, Polecats and Librarian
// on stand-in llama-servers, the sample GDScript rig with a real bare remote, and the GUT stand-in as `godot`.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import nock from 'nock';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { makeGodotShim, envWithShim } from '../../unit/agents/helpers/godot-shim.js';
import { runEpic } from '../../../src/agents/engine/run-epic.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { BeadStore } from '../../../src/beads/store.js';
import { PlanRejectedError } from '../../../src/agents/engine/mayor.js';
import { LedgerMeter } from '../../../src/cost/meter.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { readLedger, convoyCost } from '../../../src/cost/ledger.js';
import { HOST, log, gemini, EPIC, PLAN, WRONG_BLOCK, GODOT3, WRONG_MATH, RIGHT, CPU_RULES, setupRig as setupRigIn, ladderRouter } from '../../support/engine-fixture.js';

let root: string;
let small: FakeLlama, big: FakeLlama, cpu: FakeLlama;
let shim: string;

const setupRig = () => setupRigIn(root);

const router = (meter?: LedgerMeter) => ladderRouter({ small: small.url, big: big.url, cpu: cpu.url }, { meter });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-engine-'));
  shim = makeGodotShim();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  small = await startFakeLlama({
    script: {
      rules: [
        { match: 'Answer only with search/replace edit blocks', reply: WRONG_BLOCK, times: 1 },
        { match: 'Answer only with search/replace edit blocks', reply: GODOT3, times: 1 },
        { match: 'Answer only with search/replace edit blocks', reply: WRONG_MATH, times: 1 },
      ],
      default: 'I am not sure.',
    },
  });
  big = await startFakeLlama({ script: { rules: [{ match: 'Answer only with search/replace edit blocks', reply: RIGHT }], default: '' } });
  cpu = await startFakeLlama({ script: { rules: CPU_RULES, default: '{}' } });
}, 60_000);

afterEach(() => nock.cleanAll());
afterAll(async () => {
  await Promise.all([small?.close(), big?.close(), cpu?.close()]);
  nock.enableNetConnect();
  await rm(root, { recursive: true, force: true });
});

describe('gth run-epic engine', () => {
  it('plans, writes tests first, escalates a failing Polecat, reviews, merges and documents', async () => {
    const { rig, remote, town } = await setupRig();
    nock(HOST)
      .post('/v1beta/models/gemini-3-flash-preview:generateContent')
      .reply(200, gemini(JSON.stringify({ answer: 'ComboCounter in scripts/combo_counter.gd counts hits; tests live in test/unit (GUT).', found: true, citations: ['README.md', 'AGENTS.md'] })))
      .post('/v1beta/models/gemini-3-pro-preview:generateContent')
      .reply(200, gemini(JSON.stringify(PLAN), 2400, 900, 3000));
    const events: string[] = [];
    const ledgerPath = join(town, '.gastown-state', 'ledger.jsonl');
    const meter = new LedgerMeter({ ledgerPath, prices: loadPrices(), localWatts: 300 });
    const summary = await runEpic({
      epicText: EPIC, rigDir: rig, townDir: town, router: router(meter), brief: briefText, commit: true, attemptsPerModel: 3,
      log, emit: (e) => events.push(JSON.stringify(e)), testEnv: envWithShim(shim),
    });
    expect(nock.isDone()).toBe(true);
    const store = new BeadStore({ dir: join(town, 'beads') });
    const beads = await store.list();
    const polecat = beads.find((b) => b.role === 'polecat')!;
    const docs = beads.find((b) => b.role === 'librarian')!;
    expect(summary.beads.map((b) => b.status).sort()).toEqual(['done', 'done']);
    expect(summary.convoyTests?.passed).toBe(true);

    // Every attempt is on the bead: a bad edit block, a Godot 3-ism, failing tests, escalation, then a pass.
    expect(polecat.attempts.map((a) => [a.model, a.outcome])).toEqual([
      ['local:qwen2.5-coder-3b', 'fail'],
      ['local:qwen2.5-coder-3b', 'fail'],
      ['local:qwen2.5-coder-3b', 'fail'],
      ['local:qwen2.5-coder-3b', 'escalated'],
      ['local:qwen2.5-coder-7b', 'pass'],
    ]);
    expect(polecat.attempts[0]!.note).toMatch(/SEARCH|match/i);
    expect(polecat.attempts[1]!.note).toMatch(/yield/);
    expect(polecat.attempts[2]!.note).toMatch(/fail/i);
    const transitions = polecat.history.filter((h) => h.from !== h.to).map((h) => `${h.from}->${h.to}`);
    expect(transitions).toEqual(['null->open', 'open->in_progress', 'in_progress->review', 'review->done']);
    expect(polecat.labels).toContain('tests-written');
    expect(polecat.files).toContain('test/unit/test_combo_bonus.gd');

    // The bare remote holds the convoy branch with tests, the merged code and the docs, plus agent branches.
    const branches = (await execa('git', ['branch', '--list', '--format=%(refname:short)'], { cwd: remote })).stdout.split('\n').sort();
    expect(branches).toEqual(['convoy/' + summary.convoyId, 'librarian/' + docs.id, 'main', 'polecat/' + polecat.id].sort());
    const show = async (rev: string) => (await execa('git', ['show', rev], { cwd: remote })).stdout;
    const code = await show(`convoy/${summary.convoyId}:scripts/combo_counter.gd`);
    expect(code).toContain('## Bonus for long combos: 50 points per full level of hits.\nfunc bonus_points() -> int:');
    expect(await show(`convoy/${summary.convoyId}:test/unit/test_combo_bonus.gd`)).toContain('assert_eq(c.bonus_points(), 100)');
    expect(await show(`convoy/${summary.convoyId}:README.md`)).toContain('bonus_points()');
    const log1 = (await execa('git', ['log', '--format=%s', `convoy/${summary.convoyId}`], { cwd: remote })).stdout;
    expect(log1.indexOf('tests first')).toBeGreaterThan(log1.indexOf(`Merge polecat/${polecat.id}`));
    // The town repo got the plan and the beads in one commit.
    const plan = await readFile(join(town, 'plans', `${summary.convoyId}.md`), 'utf8');
    expect(plan).toContain('# Combo streak bonus');
    const townLog = (await execa('git', ['log', '--format=%s'], { cwd: town })).stdout;
    expect(townLog).toContain(`convoy ${summary.convoyId}: plan "Combo streak bonus" (2 beads)`);
    expect(events.some((e) => e.includes('"status":"retry"'))).toBe(true);

    // Every model call left one priced ledger line under its role and the convoy.
    const { entries, problems } = await readLedger(ledgerPath);
    expect(problems).toEqual([]);
    const perRole = Object.fromEntries(['mayor', 'crew', 'refinery', 'polecat', 'librarian'].map((r) => [r, entries.filter((e) => e.role === r).length]));
    expect(perRole).toEqual({ mayor: 1, crew: 1, refinery: 2, polecat: 4, librarian: 2 });
    const mayorLine = entries.find((e) => e.role === 'mayor')!;
    expect(mayorLine).toMatchObject({ convoy: summary.convoyId, local: false, tokens: { in: 2400, out: 900, thinking: 3000 } });
    // Gemini 3 Pro: $2/M in, $12/M out (thinking billed as output): 2400*2e-6 + (900+3000)*12e-6 = 0.0516.
    expect(mayorLine.money.cloudUsd).toBeCloseTo(0.0516, 6);
    const cost = await convoyCost(ledgerPath, summary.convoyId);
    expect(cost.calls).toBe(10); // the Crew's call too: its convoy id is reserved before it is asked
    expect(cost.localCalls).toBe(8);
    expect(entries.find((e) => e.role === 'crew')!.convoy).toBe(summary.convoyId);

    // A rerun of the same epic resumes the finished convoy instead of planning again (no Gemini mock set up).
    const again = await runEpic({ epicText: EPIC, rigDir: rig, townDir: town, router: router(), brief: briefText, log, testEnv: envWithShim(shim) });
    expect(again.resumed).toBe(true);
    expect(again.convoyId).toBe(summary.convoyId);
  }, 240_000);

  it('rejects a cyclic plan after one repair round and writes no bead', async () => {
    const { rig, town } = await setupRig();
    const cyclic = { ...PLAN, beads: [{ ...PLAN.beads[0]!, deps: ['docs'] }, PLAN.beads[1]!] };
    nock(HOST)
      .post('/v1beta/models/gemini-3-flash-preview:generateContent')
      .reply(200, gemini(JSON.stringify({ answer: "not in the rig's docs", found: false, citations: [] })))
      .post('/v1beta/models/gemini-3-pro-preview:generateContent')
      .times(2)
      .reply(200, gemini(JSON.stringify(cyclic)));
    const err = await runEpic({ epicText: EPIC, rigDir: rig, townDir: town, router: router(), brief: briefText, log, testEnv: envWithShim(shim) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanRejectedError);
    expect(String((err as Error).message)).toMatch(/dependency cycle: (bonus -> docs -> bonus|docs -> bonus -> docs)/);
    expect(await new BeadStore({ dir: join(town, 'beads') }).list()).toEqual([]);
  }, 60_000);

  it('gives clear errors for an empty epic, a rig that is not a git repo and an unknown test framework', async () => {
    const { rig, town } = await setupRig();
    const base = { rigDir: rig, townDir: town, router: router(), brief: briefText, log };
    await expect(runEpic({ ...base, epicText: '   \n' })).rejects.toThrow(/the epic has no text/);
    await expect(runEpic({ ...base, epicText: EPIC, rigDir: town + '-nope' })).rejects.toThrow(/is not a git repository/);
    const cfg = join(rig, '.gastown', 'rig.yml');
    await writeFile(cfg, (await readFile(cfg, 'utf8')).replace('framework: gut', 'framework: unittest'));
    await expect(runEpic({ ...base, epicText: EPIC })).rejects.toThrow(/rig\.yml: tests\.framework: unknown test framework "unittest"/);
  }, 60_000);
});
