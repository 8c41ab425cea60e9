// Shared set-up for engine tests: the sample rig with a bare remote, a town repo, scripted model answers.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { pino } from 'pino';
import { copyAerobeatMini } from '../unit/agents/helpers/godot-shim.js';
import { RetryPolicy } from '../../src/providers/retry.js';
import { GeminiProvider } from '../../src/providers/gemini.js';
import { OpenAICompatibleProvider } from '../../src/providers/openai-compatible.js';
import { LadderRouter, type ModelChoice } from '../../src/agents/engine/router.js';
import type { CallMeter } from '../../src/providers/types.js';

export const HOST = 'https://generativelanguage.googleapis.com';
export const retry = RetryPolicy.parse({ maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 });
export const log = pino({ level: 'silent' });

export function gemini(text: string, prompt = 900, out = 300, thoughts = 120): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: out, thoughtsTokenCount: thoughts, totalTokenCount: prompt + out + thoughts },
    modelVersion: 'gemini-3-pro-preview',
  };
}

export const EPIC = `# Combo streak bonus

Players should earn bonus points for long combos. Add \`bonus_points()\` to ComboCounter: 50 points for each
full level of hits (combo / hits_per_level), 0 below the first level. Document the new function.`;

export const PLAN = {
  title: 'Combo streak bonus',
  plan: '## Goal\nBonus points for long combos.\n\n## Steps\n1. Tests first.\n2. Implement bonus_points.\n3. Document it.',
  beads: [
    { key: 'bonus', title: 'Add ComboCounter.bonus_points()', description: '50 points per full level of hits.', type: 'feature', role: 'polecat', rig: 'aerobeat-mini', files: ['scripts/combo_counter.gd'], acceptance: ['bonus_points() is 0 below the first level', '50 points per full level'], deps: [], priority: 1 },
    { key: 'docs', title: 'Document bonus_points', description: '', type: 'docs', role: 'librarian', rig: 'aerobeat-mini', files: ['scripts/combo_counter.gd'], acceptance: ['every public function has a ## comment'], deps: ['bonus'], priority: 2 },
  ],
};

export const TESTS = {
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

export const WRONG_BLOCK = ['scripts/combo_counter.gd', '<<<<<<< SEARCH', 'func bonus():', '\tpass', '=======', 'func bonus_points() -> int:', '\treturn 0', '>>>>>>> REPLACE'].join('\n');
export const GODOT3 = edit('func bonus_points() -> int:\n\tyield(get_tree(), "idle_frame")\n\treturn 50 * (combo / hits_per_level)\n');
// Round three fixes the Godot 3-ism it wrote in round two, but gets the arithmetic wrong.
export const WRONG_MATH = [
  'scripts/combo_counter.gd', '<<<<<<< SEARCH', 'func bonus_points() -> int:', '\tyield(get_tree(), "idle_frame")', '\treturn 50 * (combo / hits_per_level)',
  '=======', 'func bonus_points() -> int:', '\treturn 50 * combo', '>>>>>>> REPLACE',
].join('\n');
export const RIGHT = edit('func bonus_points() -> int:\n\treturn 50 * (combo / hits_per_level)\n');

export const REVIEW = { verdict: 'approve', summary: 'Implements the bonus as specified; tests cover both branches.', comments: [], coverage: { ok: true, detail: 'measured by the engine' } };


export async function setupRig(root: string): Promise<{ rig: string; remote: string; town: string }> {
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

export interface Urls {
  small: string;
  big: string;
  cpu: string;
}

/** Ladders for every role: Gemini for Mayor/Crew (when wanted), stand-in llama-servers for the local roles. */
export function ladderRouter(urls: Urls, opts: { cloud?: boolean; meter?: CallMeter } = {}): LadderRouter {
  const { meter } = opts;
  const g = (model: string) => new GeminiProvider({ apiKey: 'test-key', model, timeoutMs: 10_000, retry, sleep: async () => undefined, meter });
  const l = (url: string, model: string) => new OpenAICompatibleProvider({ baseUrl: `${url}/v1`, model, timeoutMs: 20_000, retry, sleep: async () => undefined, local: true, meter });
  const choice = (p: GeminiProvider | OpenAICompatibleProvider): ModelChoice => ({ provider: p, label: `${p.local ? 'local' : 'cloud'}:${p.model}` });
  const cloud = opts.cloud ?? true;
  return new LadderRouter({
    ...(cloud ? { mayor: [choice(g('gemini-3-pro-preview'))], crew: [choice(g('gemini-3-flash-preview'))] } : {}),
    polecat: [choice(l(urls.small, 'qwen2.5-coder-3b')), choice(l(urls.big, 'qwen2.5-coder-7b'))],
    refinery: [choice(l(urls.cpu, 'deepseek-r1-distill-qwen-32b'))],
    librarian: [choice(l(urls.cpu, 'smollm2-1.7b'))],
  });
}

/** Script rules for the CPU-side server: tests first, review, docs and README. */
export const CPU_RULES = [
  { match: 'Write the tests first for bead', reply: JSON.stringify(TESTS) },
  { match: 'Review the change for bead', reply: JSON.stringify(REVIEW) },
  { match: 'Write `##` doc comments for scripts/combo_counter.gd', reply: JSON.stringify({ docs: { 'func:bonus_points': 'Bonus for long combos: 50 points per full level of hits.' }, edits: '' }) },
  { match: 'Write `##` doc comments for', reply: JSON.stringify({ docs: {}, edits: '' }) },
  { match: 'Refresh the rig README', reply: JSON.stringify({ readme: '# aerobeat-mini\n\nBeat scoring and combos for AeroBeat.\n\n- `ComboCounter.bonus_points()`: 50 points per full level.\n' }) },
];
