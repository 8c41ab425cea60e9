// The GUT stand-in's GDScript subset, run in-process on a temp project: language features and GUT semantics.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runGut } from '../../doubles/gut-checker.js';
import { parseJUnitXml } from '../../../src/agents/rig/junit.js';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'gutlang-'));
  writeFileSync(join(root, 'project.godot'), 'config_version=5\n');
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return root;
}

function run(files: Record<string, string>) {
  const root = project(files);
  const code = runGut(['--headless', '-s', 'addons/gut/gut_cmdln.gd', '-gdir=res://test', '-gjunit_xml_file=res://out/r.xml', '-gexit'], root, () => {});
  const cases = parseJUnitXml(readFileSync(join(root, 'out/r.xml'), 'utf8'));
  return { code, cases, byName: Object.fromEntries(cases.map((c) => [c.name, c])) };
}

const SHAPES = `class_name Shape
extends RefCounted

var sides: int = 0
var label := "shape"


func _init(n: int = 0) -> void:
	sides = n


func describe() -> String:
	return label + ":" + str(sides)


static func polygon_name(n: int) -> String:
	var names := {3: "triangle", 4: "square"}
	return names.get(n, "polygon")
`;

const SQUARE = `class_name Square
extends Shape


func _init() -> void:
	sides = 4
	label = "square"


func area(side: float) -> float:
	return side * side
`;

describe('gut-checker GDScript subset', () => {
  it('runs classes with inheritance, _init args, statics, dictionaries, loops and GUT asserts', () => {
    const test = `extends GutTest

const Helper = preload("res://scripts/shape.gd")


func test_inheritance_and_init():
	var s := Square.new()
	assert_eq(s.describe(), "square:4")
	assert_eq(Shape.new(3).sides, 3)
	assert_eq(Helper.new(5).describe(), "shape:5")


func test_static_and_dict():
	assert_eq(Shape.polygon_name(3), "triangle")
	assert_eq(Shape.polygon_name(7), "polygon")


func test_typed_float_param_makes_float_math():
	assert_eq(Square.new().area(3), 9.0)
	assert_almost_eq(Square.new().area(1.5), 2.25, 0.0001)


func test_control_flow():
	var total := 0
	var i := 0
	while true:
		i += 1
		if i % 2 == 0:
			continue
		if i > 9:
			break
		total += i
	assert_eq(total, 25)
	var evens: Array[int] = []
	for n in [1, 2, 3, 4]:
		if n % 2 == 0: evens.append(n)
	assert_eq(evens, [2, 4])
	var d := {"a": 1, "b": 2}
	var keys := ""
	for k in d:
		keys += k
	assert_eq(keys, "ab")
	assert_eq("yes" if 3 > 2 and not false else "no", "yes")
	assert_true(2 in [1, 2])
	assert_eq(7 / 2, 3)
	assert_eq(-7 / 2, -3)
	assert_eq(7.0 / 2, 3.5)
	assert_eq(int(3.9), 3)
	assert_eq("Beat".to_upper(), "BEAT")
	assert_eq(len("abc"), 3)


func test_failures_are_reported_and_later_asserts_still_run():
	assert_eq(1 + 1, 3, "math")
	assert_true(false)
	assert_eq(2, 2)


func test_pending():
	pending("not yet")
`;
    const r = run({ 'scripts/shape.gd': SHAPES, 'scripts/square.gd': SQUARE, 'test/test_shapes.gd': test });
    expect(r.code).toBe(1);
    expect(r.byName.test_inheritance_and_init!.status).toBe('passed');
    expect(r.byName.test_static_and_dict!.status).toBe('passed');
    expect(r.byName.test_typed_float_param_makes_float_math!.status).toBe('passed');
    expect(r.byName.test_control_flow!.detail).toBeNull();
    expect(r.byName.test_control_flow!.status).toBe('passed');
    const failed = r.byName.test_failures_are_reported_and_later_asserts_still_run!;
    expect(failed.status).toBe('failed');
    expect(failed.detail).toContain('[2] expected to equal [3]:  math');
    expect(failed.detail).toContain('Expected [false] to be true');
    expect(r.byName.test_pending!.status).toBe('skipped');
  });

  it('supports enums (named and unnamed) and match with several patterns and _', () => {
    const judge = `class_name Judge
extends RefCounted

enum Grade { PERFECT, GREAT = 5, MISS }
enum { LEFT, RIGHT }


func points(grade: int) -> int:
	match grade:
		Grade.PERFECT:
			return 300
		Grade.GREAT, 6:
			return 200
		_:
			return 0
`;
    const test = `extends GutTest


func test_enums_and_match():
	var j := Judge.new()
	assert_eq(Judge.Grade.MISS, 6)
	assert_eq(Judge.RIGHT, 1)
	assert_eq(j.points(Judge.Grade.PERFECT), 300)
	assert_eq(j.points(6), 200)
	assert_eq(j.points(99), 0)
`;
    const r = run({ 'scripts/judge.gd': judge, 'test/test_judge.gd': test });
    expect(r.byName.test_enums_and_match!.detail).toBeNull();
    expect(r.code).toBe(0);
  });

  it('exits 0 only when every test passes, and keeps one test-script instance like GUT', () => {
    const test = `extends GutTest

var runs := 0


func before_each():
	runs += 1


func test_a():
	assert_eq(runs, 1)


func test_b():
	assert_eq(runs, 2)
`;
    const r = run({ 'test/test_state.gd': test });
    expect(r.code).toBe(0);
    expect(r.cases.map((c) => c.status)).toEqual(['passed', 'passed']);
  });

  it('reports runtime errors with file and line, like Godot', () => {
    const test = `extends GutTest


func test_bad_index():
	var a := [1]
	assert_eq(a[3], 1)


func test_div_zero():
	var z := 0
	assert_eq(1 / z, 0)


func test_undeclared():
	assert_eq(nope, 1)
`;
    const r = run({ 'test/test_err.gd': test });
    expect(r.code).toBe(1);
    expect(r.byName.test_bad_index!.detail).toBe("res://test/test_err.gd:6: Out of bounds get index '3' (on base: 'Array')");
    expect(r.byName.test_div_zero!.detail).toContain("Division by zero error in operator '/'");
    expect(r.byName.test_undeclared!.detail).toContain('Identifier "nope" not declared in the current scope.');
  });

  it('fails a run with no tests or no project.godot', () => {
    expect(run({ 'test/test_empty.gd': 'extends GutTest\n' }).code).toBe(1);
    const root = mkdtempSync(join(tmpdir(), 'noproj-'));
    const lines: string[] = [];
    expect(runGut(['-gdir=res://test'], root, (l) => lines.push(l))).toBe(1);
    expect(lines[0]).toMatch(/no project.godot/);
  });
});
