// The GDScript segmenter that lets the guard and the Librarian ignore strings and comments.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { segmentGdscript, maskedLines } from '../../../src/agents/gdscript/segments.js';
import { checkGdscript } from '../../../src/agents/guard/check.js';
import { AEROBEAT_MINI } from './helpers/godot-shim.js';

describe('segmentGdscript', () => {
  it('splits code, strings (escaped quotes, raw, StringName, NodePath, triple) and comments', () => {
    const src = 'var a = "x\\"#y" # c1\nvar b = &"n" + ^"p/q" + r"C:\\d#"\nvar c = """l1\n# l2"""  ## doc\n';
    const kinds = segmentGdscript(src).map((s) => [s.kind, s.text]);
    expect(kinds).toEqual([
      ['code', 'var a = '],
      ['string', '"x\\"#y"'],
      ['code', ' '],
      ['comment', '# c1'],
      ['code', '\nvar b = '],
      ['string', '&"n"'],
      ['code', ' + '],
      ['string', '^"p/q"'],
      ['code', ' + '],
      ['string', 'r"C:\\d#"'],
      ['code', '\nvar c = '],
      ['string', '"""l1\n# l2"""'],
      ['code', '  '],
      ['comment', '## doc'],
      ['code', '\n'],
    ]);
  });

  it('tracks bracket depth so strings inside calls are known to be arguments', () => {
    const segs = segmentGdscript('print(\n\t"a", [\n"b"])\n"c"\n').filter((s) => s.kind === 'string');
    expect(segs.map((s) => [s.text, s.depth])).toEqual([
      ['"a"', 1],
      ['"b"', 2],
      ['"c"', 0],
    ]);
  });

  it('masks keep every line the same length so columns stay right', () => {
    const src = 'var s = "yield(x)" # yield(\nyield(a)\n';
    const masked = maskedLines(src);
    expect(masked.map((l) => l.length)).toEqual(src.split('\n').map((l) => l.length));
    expect(masked[0]).toBe(`var s = "        "${' '.repeat(' # yield('.length)}`);
    expect(masked[1]).toBe('yield(a)');
  });

  it('ends an unterminated single-line string at the end of its line', () => {
    const masked = maskedLines('var s = "oops\nonready var x = 1\n');
    expect(masked[1]).toBe('onready var x = 1');
  });
});

describe('guard on valid Godot 4', () => {
  it('finds nothing in the sample rig', () => {
    for (const dir of ['scripts', 'test/unit']) {
      for (const f of readdirSync(join(AEROBEAT_MINI, dir))) {
        expect(checkGdscript(f, readFileSync(join(AEROBEAT_MINI, dir, f), 'utf8'))).toEqual([]);
      }
    }
  });

  it.each([
    'button.connect("pressed", Callable(self, "_on_pressed"))',
    'button.connect("pressed", _on_pressed, CONNECT_ONE_SHOT)',
    'emit_signal("hit", 1)',
    'var empty_slots := 3',
    'func is_empty() -> bool:',
    'var tool_name := "hammer"',
    'get_tree().change_scene_to_file("res://a.tscn")',
    '@export_range(0, 10) var lives: int = 3',
    'var kinematic := false',
    'var t := Time.get_ticks_msec()',
    'var pos := Vector2.ZERO # was Position2D',
  ])('does not flag %s', (line) => {
    expect(checkGdscript('ok.gd', `${line}\n`)).toEqual([]);
  });
});
