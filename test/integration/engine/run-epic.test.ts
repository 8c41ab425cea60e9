// The whole pipeline on one machine: Crew and Mayor on Gemini (HTTP-mocked), Refinery, Polecats and Librarian
// on stand-in llama-servers, the sample GDScript rig with a real bare remote, and the GUT stand-in as `godot`.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import nock from 'nock';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { makeGodotShim, envWithShim, copyAerobeatMini } from '../../unit/agents/helpers/godot-shim.js';
import { GeminiProvider } from '../../../src/providers/gemini.js';
import { OpenAICompatibleProvider } from '../../../src/providers/openai-compatible.js';
import { RetryPolicy } from '../../../src/providers/retry.js';
import { LadderRouter, type ModelChoice } from '../../../src/agents/engine/router.js';
import { runEpic } from '../../../src/agents/engine/run-epic.js';
import { briefText } from '../../../src/agents/briefs/load.js';
import { BeadStore } from '../../../src/beads/store.js';
import { PlanRejectedError } from '../../../src/agents/engine/mayor.js';

const HOST = 'https://generativelanguage.googleapis.com';
const retry = RetryPolicy.parse({ maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 });
const log = pino({ level: 'silent' });

function gemini(text: string, prompt = 900, out = 300, thoughts = 120): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: out, thoughtsTokenCount: thoughts, totalTokenCount: prompt + out + thoughts },
    modelVersion: 'gemini-3-pro-preview',
  };
}

const EPIC = `# Combo streak bonus

Players should earn bonus points for long combos. Add \`bonus_points()\` to ComboCounter: 50 points for each
full level of hits (combo / hits_per_level), 0 below the first level. Document the new function.`;

const PLAN = {
  title: 'Combo streak bonus',
  plan: '## Goal\nBonus points for long combos.\n\n## Steps\n1. Tests first.\n2. Implement bonus_points.\n3. Document it.',
  beads: [
    { key: 'bonus', title: 'Add ComboCounter.bonus_points()', description: '50 points per full level of hits.', type: 'feature', role: 'polecat', rig: 'aerobeat-mini', files: ['scripts/combo_counter.gd'], acceptance: ['bonus_points() is 0 below the first level', '50 points per full level'], deps: [], priority: 1 },
    { key: 'docs', title: 'Document bonus_points', description: '', type: 'docs', role: 'librarian', rig: 'aerobeat-mini', files: ['scripts/combo_counter.gd'], acceptance: ['every public function has a ## comment'], deps: ['bonus'], priority: 2 },
  ],
};

const TESTS = {
  summary: 'bonus points per level',
  files: [
    {
      path: 'test/unit/test_combo_bonus.gd',
      content: [
        'extends GutTest',
        '',
        '',
        'func test_no_bonus_below_first_level():',
        '\tvar c := ComboCounter.new()',
        '\tfor i in range(9):',
        '\t\tc.hit()',
        '\tassert_eq(c.bonus_points(), 0)',
        '',
        '',
        'func test_bonus_per_full_level():',
        '\tvar c := ComboCounter.new()',
        '\tfor i in range(25):',
        '\t\tc.hit()',
        '\tassert_eq(c.bonus_points(), 100)',
        '',
      ].join('\n'),
    },
  ],
  edits: '',
};

const ANCHOR = '## 1 for the first `hits_per_level` hits, then one more per level, capped at MAX_MULTIPLIER.';
const edit = (body: string) =>
  ['scripts/combo_counter.gd', '<<<<<<< SEARCH', ANCHOR, '=======', ...body.split('\n'), '', ANCHOR, '>>>>>>> REPLACE'].join('\n');

const WRONG_BLOCK = ['scripts/combo_counter.gd', '<<<<<<< SEARCH', 'func bonus():', '\tpass', '=======', 'func bonus_points() -> int:', '\treturn 0', '>>>>>>> REPLACE'].join('\n');
const GODOT3 = edit('func bonus_points() -> int:\n\tyield(get_tree(), "idle_frame")\n\treturn 50 * (combo / hits_per_level)\n');
// Round three fixes the Godot 3-ism it wrote in round two, but gets the arithmetic wrong.
const WRONG_MATH = [
  'scripts/combo_counter.gd', '<<<<<<< SEARCH', 'func bonus_points() -> int:', '\tyield(get_tree(), "idle_frame")', '\treturn 50 * (combo / hits_per_level)',
  '=======', 'func bonus_points() -> int:', '\treturn 50 * combo', '>>>>>>> REPLACE',
].join('\n');
const RIGHT = edit('func bonus_points() -> int:\n\treturn 50 * (combo / hits_per_level)\n');

const REVIEW = { verdict: 'approve', summary: 'Implements the bonus as specified; tests cover both branches.', comments: [], coverage: { ok: true, detail: 'measured by the engine' } };

let root: string;
let small: FakeLlama, big: FakeLlama, cpu: FakeLlama;
let shim: string;

async function setupRig(): Promise<{ rig: string; remote: string; town: string }> {
  const rig = copyAerobeatMini();
  const remote = join(root, `origin-${Math.random().toString(36).slice(2)}.git`);
  await execa('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-qm', 'rig'], ['remote', 'add', 'origin', remote], ['push', '-q', 'origin', 'main']]) {
    await execa('git', args, { cwd: rig });
  }
  const town = await mkdtemp(join(root, 'town-'));
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: town });
  for (const [k, v] of [['user.name', 'engine'], ['user.email', 'e@x']]) await execa('git', ['config', k!, v!], { cwd: town });
  return { rig, remote, town };
}

function router(over: { mayor?: ModelChoice[] } = {}): LadderRouter {
  const g = (model: string) => new GeminiProvider({ apiKey: 'test-key', model, timeoutMs: 10_000, retry, sleep: async () => undefined });
  const l = (f: FakeLlama, model: string) => new OpenAICompatibleProvider({ baseUrl: `${f.url}/v1`, model, timeoutMs: 10_000, retry, sleep: async () => undefined, local: true });
  const choice = (p: GeminiProvider | OpenAICompatibleProvider): ModelChoice => ({ provider: p, label: `${p.local ? 'local' : 'cloud'}:${p.model}` });
  return new LadderRouter({
    mayor: over.mayor ?? [choice(g('gemini-3-pro-preview'))],
    crew: [choice(g('gemini-3-flash-preview'))],
    polecat: [choice(l(small, 'qwen2.5-coder-3b')), choice(l(big, 'qwen2.5-coder-7b'))],
    refinery: [choice(l(cpu, 'deepseek-r1-distill-qwen-32b'))],
    librarian: [choice(l(cpu, 'smollm2-1.7b'))],
  });
}

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
  cpu = await startFakeLlama({
    script: {
      rules: [
        { match: 'Write the tests first for bead', reply: JSON.stringify(TESTS) },
        { match: 'Review the change for bead', reply: JSON.stringify(REVIEW) },
        { match: 'Write `##` doc comments for scripts/combo_counter.gd', reply: JSON.stringify({ docs: { 'func:bonus_points': 'Bonus for long combos: 50 points per full level of hits.' }, edits: '' }) },
        { match: 'Write `##` doc comments for', reply: JSON.stringify({ docs: {}, edits: '' }) },
        { match: 'Refresh the rig README', reply: JSON.stringify({ readme: '# aerobeat-mini\n\nBeat scoring and combos for AeroBeat.\n\n- `ComboCounter.bonus_points()`: 50 points per full level.\n' }) },
      ],
      default: '{}',
    },
  });
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
    const summary = await runEpic({
      epicText: EPIC, rigDir: rig, townDir: town, router: router(), brief: briefText, commit: true, attemptsPerModel: 3,
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
