// Scripted answers for the eval tests: a "good" and a "bad" model on four tasks of the shipped set.
import type { FakeScript } from '../../doubles/llama-handler.js';

const ANCHOR = '## 1 for the first `hits_per_level` hits, then one more per level, capped at MAX_MULTIPLIER.';
const block = (file: string, search: string, replace: string): string => [file, '<<<<<<< SEARCH', search, '=======', replace, '>>>>>>> REPLACE'].join('\n');

export const COMBO_RIGHT = block('scripts/combo_counter.gd', ANCHOR, `func bonus_points() -> int:\n\treturn 50 * (combo / hits_per_level)\n\n\n${ANCHOR}`);
export const COMBO_WRONG = block('scripts/combo_counter.gd', ANCHOR, `func bonus_points() -> int:\n\treturn 50 * combo\n\n\n${ANCHOR}`);
const GRADE = (first: string): string =>
  `## Letter grade from accuracy().\nfunc grade() -> String:\n${first}\tvar acc := accuracy()\n\tif acc >= 0.95:\n\t\treturn "S"\n\telif acc >= 0.85:\n\t\treturn "A"\n\telif acc >= 0.7:\n\t\treturn "B"\n\treturn "C"\n\n\nfunc reset() -> void:`;
/** A Godot 3-ism (yield) the engine's guard must reject. */
export const GRADE_GODOT3 = block('scripts/beat_scorer.gd', 'func reset() -> void:', GRADE('\tyield(get_tree(), "idle_frame")\n'));
/** The fix after the guard's feedback: the file now holds the yield line. */
export const GRADE_FIX = block('scripts/beat_scorer.gd', '\tyield(get_tree(), "idle_frame")\n\tvar acc := accuracy()', '\tvar acc := accuracy()');

/** Planted defect of refinery-godot3-api: scripts/combo_counter.gd line 38. */
export const REVIEW_GOOD = JSON.stringify({
  verdict: 'request_changes',
  summary: 'The new function uses the Godot 3 connect form.',
  comments: [
    { path: 'scripts/combo_counter.gd', line: 37, body: 'Godot 3 connect with a method name string: use combo_broken.connect(listener.on_combo_broken).' },
    { path: 'scripts/beat_scorer.gd', line: 5, body: 'Consider renaming this constant.' },
  ],
  coverage: { ok: true, detail: 'ok' },
});
export const REVIEW_BAD = JSON.stringify({
  verdict: 'request_changes',
  summary: 'Style only.',
  comments: [{ path: 'scripts/combo_counter.gd', line: 10, body: 'Rename hits_per_level to hits_per_step.' }],
  coverage: { ok: true, detail: 'ok' },
});
export const DOCS_GOOD = JSON.stringify({ docs: { 'func:hit': 'Adds a hit and returns the new combo length.', 'func:multiplier': 'The score multiplier for the current combo.' }, edits: '' });
export const DOCS_BAD = JSON.stringify({ docs: { 'func:hit': 'Adds a hit.' }, edits: block('scripts/combo_counter.gd', '\tcombo += 1', '\tcombo += 2') });
export const README = JSON.stringify({ readme: '# aerobeat-mini\n\nBeat scoring and combos for AeroBeat; every script function is documented.\n' });

const EDIT = 'Answer only with search/replace edit blocks';
export const GOOD: FakeScript = {
  rules: [
    { match: `Add ComboCounter\\.bonus_points[\\s\\S]*${EDIT}`, reply: COMBO_RIGHT },
    { match: `Add BeatScorer\\.grade[\\s\\S]*GDScript guard`, reply: GRADE_FIX },
    { match: `Add BeatScorer\\.grade[\\s\\S]*${EDIT}`, reply: GRADE_GODOT3 },
    { match: 'Review the change for bead', reply: REVIEW_GOOD },
    { match: 'Write `##` doc comments for scripts/combo_counter.gd', reply: DOCS_GOOD },
    { match: 'Refresh the rig README', reply: README },
  ],
  default: 'no idea',
};
export const BAD: FakeScript = {
  rules: [
    { match: `Add ComboCounter\\.bonus_points[\\s\\S]*${EDIT}`, reply: COMBO_WRONG },
    { match: `Add BeatScorer\\.grade[\\s\\S]*${EDIT}`, reply: GRADE_GODOT3 },
    { match: 'Review the change for bead', reply: REVIEW_BAD },
    { match: 'Write `##` doc comments for scripts/combo_counter.gd', reply: DOCS_BAD },
    { match: 'Refresh the rig README', reply: README },
  ],
  default: 'no idea',
};

/** The stand-in's token count (test/doubles/llama-handler.ts): ceil(chars / 4). */
export const approx = (text: string): number => Math.ceil(text.length / 4);
