// Guard rules: one test per rule from the data file, plus comment/string handling and a clean Godot 4 file.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadGuardRules, compileRules } from '../../../src/agents/guard/rules.js';
import { checkGdscript, checkGdscriptFiles } from '../../../src/agents/guard/check.js';
import { formatGuardFeedback } from '../../../src/agents/guard/feedback.js';

const rules = loadGuardRules();
const here = new URL('.', import.meta.url).pathname;

describe('guard rules data file', () => {
  it('has the rules the issue names', () => {
    const ids = rules.map((r) => r.id);
    for (const id of ['yield', 'export-keyword', 'onready-keyword', 'tool-keyword', 'kinematic-body', 'connect-string-method', 'instance-call', 'setget', 'empty-call', 'file-new', 'directory-new']) {
      expect(ids).toContain(id);
    }
  });

  describe.each(rules.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
    it('flags its bad example with this rule id', () => {
      const found = checkGdscript('bad.gd', `${rule.bad}\n`, rules);
      expect(found.map((f) => f.ruleId)).toContain(id);
    });
    it('flags nothing in its good example (no rule fires)', () => {
      expect(checkGdscript('good.gd', `${rule.good}\n`, rules)).toEqual([]);
    });
    it('ignores the bad example inside a comment and inside a string', () => {
      expect(checkGdscript('c.gd', `# ${rule.bad}\nvar note = "${rule.bad.replace(/"/g, '\\"')}"\n`, rules)).toEqual([]);
    });
  });
});

describe('checkGdscript', () => {
  it('reports zero findings for a realistic Godot 4 script (emit_signal, await, @export, multi-line strings)', () => {
    const src = readFileSync(join(here, 'fixtures', 'valid_godot4_player.gd'), 'utf8');
    expect(checkGdscript('player.gd', src, rules)).toEqual([]);
  });

  it('gives exact line and column and keeps the original text', () => {
    const src = 'extends Node\n\nfunc _ready():\n\tvar s = Scene.instance()\n\tyield(get_tree(), "idle_frame")\n';
    const found = checkGdscript('scripts/a.gd', src, rules);
    expect(found.map((f) => [f.ruleId, f.line, f.column])).toEqual([
      ['instance-call', 4, 15],
      ['yield', 5, 2],
    ]);
    expect(found[1]!.source).toBe('\tyield(get_tree(), "idle_frame")');
  });

  it('still flags code after a string that contains a #', () => {
    const found = checkGdscript('a.gd', 'var tag = "#1"; onready var x = 1\nvar y = "a" + str(rand_range(0, 1)) # rand_range(\n', rules);
    expect(found.map((f) => `${f.line}:${f.ruleId}`)).toEqual(['2:rand-range']);
  });

  it('ignores Godot 3 text inside a triple-quoted string spanning lines', () => {
    const src = 'var doc = """\nonready var x = 1\nyield(a, "b")\n"""\nonready var y = 2\n';
    const found = checkGdscript('a.gd', src, rules);
    expect(found.map((f) => `${f.line}:${f.ruleId}`)).toEqual(['5:onready-keyword']);
  });

  it('checks only .gd files among many', () => {
    const found = checkGdscriptFiles({ 'README.md': 'yield(x)', 'b.gd': 'extends Spatial\n', 'a.gd': 'tool\n' }, rules);
    expect(found.map((f) => `${f.file}:${f.ruleId}`)).toEqual(['a.gd:tool-keyword', 'b.gd:spatial']);
  });
});

describe('formatGuardFeedback', () => {
  it('names file, line, column, rule and the Godot 4 replacement for each finding', () => {
    const text = formatGuardFeedback(checkGdscript('scripts/p.gd', 'extends KinematicBody2D\nexport var speed = 3\n', rules));
    expect(text).toContain('2 Godot 3 problems');
    expect(text).toContain('scripts/p.gd:1:9: error [kinematic-body]');
    expect(text).toContain('CharacterBody2D');
    expect(text).toContain('scripts/p.gd:2:1: error [export-keyword]');
    expect(text).toContain('@export var');
    expect(text).toContain('    2 | export var speed = 3');
  });
  it('says so when there is nothing to fix', () => {
    expect(formatGuardFeedback([])).toMatch(/no Godot 3 syntax/);
  });
});

describe('rule file validation', () => {
  it('reports every bad rule at once, naming index and id', () => {
    const data = {
      version: 1,
      rules: [
        { id: 'a', pattern: '(', message: 'm', bad: 'x', good: 'y' },
        { id: 'a', pattern: 'x', message: 'm', bad: 'x', good: 'y' },
      ],
    };
    expect(() => compileRules(data, 'rules.yml')).toThrow(/rules\[0\] \(a\)\.pattern: invalid regular expression[\s\S]*rules\[1\]\.id: duplicate rule id "a"/);
  });
  it('rejects a rule without a good example, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-'));
    const file = join(dir, 'r.yml');
    writeFileSync(file, 'version: 1\nrules:\n  - id: x\n    pattern: x\n    message: m\n    bad: x\n');
    expect(() => loadGuardRules(file)).toThrow(/r\.yml: rules\[0\]\.good/);
  });
});
