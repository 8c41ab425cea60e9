// Rig config loading (errors name file and field), JUnit parsing, the test runner's own failure modes, coverage rule.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { RigConfig } from '../../../src/agents/rig/schema.js';
import { parseJUnitXml } from '../../../src/agents/rig/junit.js';
import { runRigTests, formatTestFeedback } from '../../../src/agents/rig/run-tests.js';
import { checkCoverage } from '../../../src/agents/rig/coverage.js';
import { AEROBEAT_MINI, copyAerobeatMini } from './helpers/godot-shim.js';

function rigWith(yml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rigcfg-'));
  mkdirSync(join(dir, '.gastown'));
  writeFileSync(join(dir, '.gastown', 'rig.yml'), yml);
  return dir;
}

describe('loadRigConfig', () => {
  it('loads the sample rig with defaults filled in', () => {
    const { config, file } = loadRigConfig(AEROBEAT_MINI);
    expect(file).toBe(join(AEROBEAT_MINI, '.gastown', 'rig.yml'));
    expect(config.name).toBe('aerobeat-mini');
    expect(config.tests.framework).toBe('gut');
    expect(config.tests.command[0]).toBe('godot');
    expect(config.tests.results).toEqual({ exitCode: true, junitXml: '.gut/results.xml' });
    expect(config.coverage).toEqual({ rule: 'tested-functions', minRatio: 0.8, sourceDirs: ['scripts'] });
    expect(config.docs).toEqual(['README.md', 'AGENTS.md']);
  });

  it('names the file and field for an unknown framework and every other problem at once', () => {
    const dir = rigWith('name: r\nlanguage: gdscript\nengine: godot3\ntests:\n  framework: unittest\n  command: []\n  results:\n    junitXml: ../out.xml\n');
    let message = '';
    try {
      loadRigConfig(dir);
    } catch (err) {
      message = (err as Error).message;
    }
    const file = join(dir, '.gastown', 'rig.yml');
    expect(message).toContain(`${file}: tests.framework: unknown test framework "unittest": expected one of gut, gdunit4`);
    expect(message).toContain(`${file}: engine:`);
    expect(message).toContain(`${file}: tests.command: the test command needs at least the program name`);
    expect(message).toContain(`${file}: tests.results.junitXml: must be a path inside the rig`);
  });

  it('rejects unknown keys (typos) and a missing config, and a rig path that is not a folder', () => {
    expect(() => loadRigConfig(rigWith('name: r\nlanguage: gdscript\nengine: godot4\ntests: {framework: gut, command: [x]}\ndoc: [README.md]\n'))).toThrow(/\(root\): Unrecognized key: "doc"/);
    expect(() => loadRigConfig(mkdtempSync(join(tmpdir(), 'norig-')))).toThrow(/rig config not found/);
    expect(() => loadRigConfig('/nonexistent/rig')).toThrow(/is not a folder/);
  });

  it('requires some way to read results', () => {
    const r = RigConfig.safeParse({ name: 'r', language: 'gdscript', engine: 'godot4', tests: { framework: 'gdunit4', command: ['x'], results: { exitCode: false } } });
    expect(r.success).toBe(false);
  });
});

describe('parseJUnitXml', () => {
  it('reads passed, failed (with message and body), error and skipped cases from nested suites', () => {
    const xml = `<?xml version="1.0"?>
<testsuites><testsuite name="outer"><testsuite name="res://t.gd">
  <testcase name="a" classname="T" time="0.5"/>
  <testcase name="b" classname="T"><failure message="failed">[Failed]: [1] expected to equal [2]</failure></testcase>
  <testcase name="c"><error message="boom"/></testcase>
  <testcase name="d"><skipped/></testcase>
  <testcase name="e"><failure/></testcase>
</testsuite></testsuite></testsuites>`;
    const cases = parseJUnitXml(xml);
    expect(cases.map((c) => [c.name, c.status, c.message, c.detail])).toEqual([
      ['a', 'passed', null, null],
      ['b', 'failed', 'failed', '[Failed]: [1] expected to equal [2]'],
      ['c', 'error', 'boom', null],
      ['d', 'skipped', null, null],
      ['e', 'failed', null, null],
    ]);
    expect(cases[0]!.timeSeconds).toBe(0.5);
    expect(cases[2]!.classname).toBe('res://t.gd');
  });
  it('reads a bare <testsuite> root and rejects malformed XML with its line', () => {
    expect(parseJUnitXml('<testsuite name="s"><testcase name="x"/></testsuite>').map((c) => c.suite)).toEqual(['s']);
    expect(() => parseJUnitXml('<testsuites>\n<testsuite>\n</testsuites>', 'r.xml')).toThrow(/^r\.xml: not well-formed XML at line/);
    expect(() => parseJUnitXml('<report/>', 'r.xml')).toThrow(/no <testsuites> or <testsuite>/);
  });
});

describe('runRigTests failure modes (real child processes)', () => {
  const base = (command: string[], results: object, timeoutSeconds = 60) =>
    RigConfig.parse({ name: 'r', language: 'gdscript', engine: 'godot4', tests: { framework: 'gut', command, results, timeoutSeconds } });

  it('fails on a non-zero exit code when only the exit code is read', async () => {
    const root = mkdtempSync(join(tmpdir(), 'run-'));
    const r = await runRigTests(root, base([process.execPath, '-e', 'console.log("ran"); process.exit(3)'], { exitCode: true }));
    expect(r.passed).toBe(false);
    expect(r.exitCode).toBe(3);
    expect(r.problems).toEqual(['the test command exited with code 3']);
    expect(formatTestFeedback(r)).toContain('Output (end):\nran');
  });

  it('never reads a stale JUnit file: missing XML after the run is a problem', async () => {
    const root = mkdtempSync(join(tmpdir(), 'run-'));
    writeFileSync(join(root, 'old.xml'), '<testsuite name="old"><testcase name="x"/></testsuite>');
    const r = await runRigTests(root, base([process.execPath, '-e', 'void 0'], { exitCode: true, junitXml: 'old.xml' }));
    expect(existsSync(join(root, 'old.xml'))).toBe(false);
    expect(r.passed).toBe(false);
    expect(r.problems).toEqual(['the test command wrote no JUnit XML at old.xml']);
  });

  it('counts failing JUnit cases even when the exit code is 0', async () => {
    const root = mkdtempSync(join(tmpdir(), 'run-'));
    const xml = '<testsuite name="s"><testcase name="ok"/><testcase name="bad"><failure message="nope">detail</failure></testcase></testsuite>';
    const r = await runRigTests(root, base([process.execPath, '-e', `require("fs").writeFileSync("out.xml", ${JSON.stringify(xml)})`], { exitCode: true, junitXml: 'out.xml' }));
    expect(r.exitCode).toBe(0);
    expect(r.counts).toEqual({ passed: 1, failed: 1, error: 0, skipped: 0 });
    expect(r.passed).toBe(false);
    expect(formatTestFeedback(r)).toContain('- s :: bad [failed]: nope\n    detail');
  });

  it('reports a timeout and a program that does not exist', async () => {
    const root = mkdtempSync(join(tmpdir(), 'run-'));
    const slow = await runRigTests(root, base([process.execPath, '-e', 'setTimeout(() => {}, 30000)'], { exitCode: true }), { timeoutMs: 300 });
    expect(slow.timedOut).toBe(true);
    expect(slow.passed).toBe(false);
    expect(slow.problems[0]).toMatch(/timed out/);
    const missing = await runRigTests(root, base(['no-such-godot-binary'], { exitCode: true }));
    expect(missing.passed).toBe(false);
    expect(missing.problems.join('\n')).toMatch(/could not run: .*no-such-godot-binary/);
  });
});

describe('checkCoverage', () => {
  it('passes on the sample rig and fails when tests stop calling functions, listing them', () => {
    const { config } = loadRigConfig(AEROBEAT_MINI);
    const ok = checkCoverage(AEROBEAT_MINI, config)!;
    expect(ok.ok).toBe(true);
    expect(ok.untested).toEqual([]);
    expect(ok.detail).toMatch(/^8\/8 public functions/);

    const rig = copyAerobeatMini();
    const test = join(rig, 'test/unit/test_beat_scorer.gd');
    const src = readFileSync(test, 'utf8');
    // Comment out the calls: commented code must not count as tested.
    writeFileSync(test, src.replace(/scorer\.points_for/g, '# scorer.points_for').replace(/scorer\.accuracy\(\)/g, '"scorer.accuracy()"'));
    const bad = checkCoverage(rig, config)!;
    expect(bad.ok).toBe(false);
    expect(bad.untested).toEqual(['scripts/beat_scorer.gd:points_for', 'scripts/beat_scorer.gd:accuracy']);
    expect(bad.detail).toContain('6/8 public functions are called by tests (75%, rule: at least 80%)');
  });
});
