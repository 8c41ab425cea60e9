// Librarian: comment stripping, the no-code-change check, finding undocumented members and placing docs.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AEROBEAT_MINI } from './helpers/godot-shim.js';
import { codeLines } from '../../../src/agents/librarian/strip.js';
import { checkNoCodeChange, formatCodeChanges } from '../../../src/agents/librarian/no-code-change.js';
import { findDocGaps, insertDocComments } from '../../../src/agents/librarian/doc-gaps.js';

const COMBO = [
  'class_name ComboCounter',
  'extends RefCounted',
  '',
  'signal combo_broken(final_combo: int)',
  'signal milestone(count: int) ## Emitted every 10 hits.',
  '',
  '@export var milestone_every: int = 10',
  '@export',
  'var max_multiplier: int = 4',
  '@onready var label = null',
  'var combo: int = 0',
  '',
  '## Registers a hit and returns the new combo.',
  'func hit() -> int:',
  '\tcombo += 1',
  '\tvar text = "# not a comment"',
  '\treturn combo',
  '',
  '@rpc("any_peer")',
  'func miss() -> void:',
  '\tcombo_broken.emit(combo)',
  '\tcombo = 0',
  '',
  'static func multiplier_for(count: int) -> int:',
  '\treturn mini(1 + count / 10, 4)',
  '',
  'class Snapshot:',
  '\tvar value: int = 0',
  '\tfunc describe() -> String:',
  '\t\treturn str(value)',
  '',
].join('\n');

describe('codeLines', () => {
  it('drops comments, doc comments, blank lines and standalone string blocks; keeps # inside strings', () => {
    const src = '## Doc\nvar a = 1 # trailing\n\n"""\nblock comment # here\n"""\nvar b = """x\n# inside\n"""  \nvar c = "#"\n';
    expect(codeLines(src)).toEqual([
      { line: 2, text: 'var a = 1' },
      { line: 7, text: 'var b = """x' },
      { line: 8, text: '# inside' },
      { line: 9, text: '"""' },
      { line: 10, text: 'var c = "#"' },
    ]);
  });
  it('keeps a string that is an argument on its own line inside parentheses', () => {
    expect(codeLines('print(\n\t"hello"\n)\n').map((l) => l.text)).toEqual(['print(', '\t"hello"', ')']);
  });
});

describe('checkNoCodeChange', () => {
  const before = { 'scripts/combo_counter.gd': COMBO, 'README.md': '# Old', 'project.godot': 'config_version=5\n' };

  it('accepts added ## comments, changed comments, blank lines and a refreshed README', () => {
    const after = {
      ...before,
      'scripts/combo_counter.gd': `## Counts consecutive hits.\n${COMBO.replace('## Registers a hit and returns the new combo.', '## Adds one hit.\n##\n## Returns the combo after the hit.').replace('\tcombo += 1', '\tcombo += 1 # count it\n')}`,
      'README.md': '# New README',
    };
    const result = checkNoCodeChange(before, after);
    expect(result).toEqual({ ok: true, changes: [] });
  });

  it('rejects a code change hidden next to a comment, naming the file and first differing line', () => {
    const changed = COMBO.replace('## Registers a hit and returns the new combo.', '## Registers a hit.').replace('\tcombo += 1', '\tcombo += 2');
    const result = checkNoCodeChange(before, { ...before, 'scripts/combo_counter.gd': changed });
    expect(result.ok).toBe(false);
    expect(result.changes).toEqual([
      { path: 'scripts/combo_counter.gd', beforeLine: 15, afterLine: 15, before: '\tcombo += 1', after: '\tcombo += 2', reason: 'code line changed' },
    ]);
    expect(formatCodeChanges(result)).toContain('scripts/combo_counter.gd:line 15: code line changed');
  });

  it('rejects indentation changes (they change GDScript meaning), string edits, removed code and new files', () => {
    const reindented = COMBO.replace('\tcombo = 0', '    combo = 0');
    const string = COMBO.replace('"# not a comment"', '"# not a comment!"');
    const removed = COMBO.replace('\tcombo_broken.emit(combo)\n', '');
    for (const after of [reindented, string, removed]) {
      expect(checkNoCodeChange(before, { ...before, 'scripts/combo_counter.gd': after }).ok).toBe(false);
    }
    const added = checkNoCodeChange(before, { ...before, 'scripts/extra.gd': 'extends Node\n', 'project.godot': 'config_version=4\n' });
    expect(added.changes.map((c) => `${c.path}: ${c.reason}`)).toEqual(['project.godot: non-documentation file changed', 'scripts/extra.gd: file added']);
  });
});

describe('findDocGaps', () => {
  it('lists undocumented class, signals, exported vars, functions and inner class members with stable keys', () => {
    const gaps = findDocGaps(COMBO);
    expect(gaps.map((g) => [g.key, g.line, g.insertBefore])).toEqual([
      ['class:ComboCounter', 2, 3],
      ['signal:combo_broken', 4, 4],
      ['var:milestone_every', 7, 7],
      ['var:max_multiplier', 9, 8],
      ['func:miss', 20, 19],
      ['func:multiplier_for', 24, 24],
      ['inner_class:Snapshot', 27, 27],
      ['func:Snapshot.describe', 29, 29],
    ]);
    expect(gaps.find((g) => g.key === 'func:Snapshot.describe')!.indent).toBe('\t');
  });

  it('treats a ## block after the header and separated by a blank line as the script doc', () => {
    const src = 'class_name A\nextends Node\n## The A script.\n\n## Doc for f.\nfunc f():\n\tpass\n';
    expect(findDocGaps(src)).toEqual([]);
  });
});

describe('insertDocComments', () => {
  it('places model text as ## lines with the right indentation and passes the no-code-change check', () => {
    const docs = {
      'class:ComboCounter': 'Counts consecutive beat hits.\n\nResets on a miss.',
      'func:miss': '## Breaks the combo.',
      'func:Snapshot.describe': '```\nReturns the value as text.\n```',
      'var:max_multiplier': 'Highest score multiplier.',
      'func:nope': 'Not a member.',
    };
    const result = insertDocComments(COMBO, docs);
    expect(result.unknown).toEqual(['func:nope']);
    expect(result.inserted.sort()).toEqual(['class:ComboCounter', 'func:Snapshot.describe', 'func:miss', 'var:max_multiplier']);
    const out = result.source;
    expect(out).toContain('extends RefCounted\n## Counts consecutive beat hits.\n##\n## Resets on a miss.\n\nsignal combo_broken');
    expect(out).toContain('## Highest score multiplier.\n@export\nvar max_multiplier');
    expect(out).toContain('## Breaks the combo.\n@rpc("any_peer")\nfunc miss()');
    expect(out).toContain('\tvar value: int = 0\n\t## Returns the value as text.\n\tfunc describe()');
    expect(checkNoCodeChange({ 'a.gd': COMBO }, { 'a.gd': out }).ok).toBe(true);
    const left = findDocGaps(out).map((g) => g.key);
    expect(left).toEqual(['signal:combo_broken', 'var:milestone_every', 'func:multiplier_for', 'inner_class:Snapshot']);
  });
});

describe('Librarian on the sample rig', () => {
  it('finds only the undocumented reset() and documents it without touching code', () => {
    const scorer = readFileSync(join(AEROBEAT_MINI, 'scripts/beat_scorer.gd'), 'utf8');
    const combo = readFileSync(join(AEROBEAT_MINI, 'scripts/combo_counter.gd'), 'utf8');
    expect(findDocGaps(combo)).toEqual([]);
    expect(findDocGaps(scorer).map((g) => g.key)).toEqual(['func:reset']);
    const out = insertDocComments(scorer, { 'func:reset': 'Clears the score, hits and misses.' }).source;
    expect(out).toContain('\n\n## Clears the score, hits and misses.\nfunc reset() -> void:\n');
    expect(checkNoCodeChange({ 's.gd': scorer }, { 's.gd': out }).ok).toBe(true);
    expect(findDocGaps(out)).toEqual([]);
  });
});
