// Search/replace edit blocks: parsing model output and applying blocks to real files in temp worktrees.
import { describe, expect, it, beforeEach } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseEditBlocks } from '../../../src/agents/edits/parse.js';
import { applyEditBlocks, formatEditReport } from '../../../src/agents/edits/apply.js';

const SCORER = [
  'extends RefCounted',
  'class_name BeatScorer',
  '',
  'func score(offset_ms: float) -> int:',
  '\tif absf(offset_ms) <= 30.0:',
  '\t\treturn 300',
  '\treturn 0',
  '',
  'func reset() -> void:',
  '\tpass',
  '',
  'func clear() -> void:',
  '\tpass',
  '',
].join('\n');

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'edits-'));
  mkdirSync(join(root, 'scripts'));
  writeFileSync(join(root, 'scripts/beat_scorer.gd'), SCORER);
});

const read = (p: string): string => readFileSync(join(root, p), 'utf8');

describe('parseEditBlocks', () => {
  it('parses blocks with the path before a code fence, several files, and an empty SEARCH', () => {
    const out = [
      'I will change the perfect window.',
      '',
      'scripts/beat_scorer.gd',
      '```gdscript',
      '<<<<<<< SEARCH',
      '\tif absf(offset_ms) <= 30.0:',
      '=======',
      '\tif absf(offset_ms) <= 35.0:',
      '>>>>>>> REPLACE',
      '```',
      '',
      '```',
      '`scripts/combo.gd`',
      '<<<<<<< SEARCH',
      '=======',
      'extends RefCounted',
      '>>>>>>> REPLACE',
      '```',
    ].join('\n');
    const { blocks, errors } = parseEditBlocks(out);
    expect(errors).toEqual([]);
    expect(blocks).toEqual([
      { index: 1, path: 'scripts/beat_scorer.gd', search: ['\tif absf(offset_ms) <= 30.0:'], replace: ['\tif absf(offset_ms) <= 35.0:'], line: 5 },
      { index: 2, path: 'scripts/combo.gd', search: [], replace: ['extends RefCounted'], line: 14 },
    ]);
  });

  it('reuses the previous path when a block follows without one, and reports broken blocks', () => {
    const out = 'a/b.gd\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nz\n=======\nw\n>>>>>>> REPLACE\nc.gd\n<<<<<<< SEARCH\nq\n>>>>>>> REPLACE\n';
    const { blocks, errors } = parseEditBlocks(out);
    expect(blocks.map((b) => [b.index, b.path, b.search])).toEqual([
      [1, 'a/b.gd', ['x']],
      [2, 'a/b.gd', ['z']],
    ]);
    expect(errors).toEqual(['edit block 3 (line 13): missing "=======" after the SEARCH lines']);
  });

  it('reports a block with no path at all', () => {
    const { blocks, errors } = parseEditBlocks('Here:\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n');
    expect(blocks).toEqual([]);
    expect(errors[0]).toMatch(/no file path/);
  });
});

describe('applyEditBlocks', () => {
  it('applies an exact match, tolerating only trailing whitespace, and creates new files', () => {
    const { blocks } = parseEditBlocks(
      'scripts/beat_scorer.gd\n<<<<<<< SEARCH\n\tif absf(offset_ms) <= 30.0:   \n\t\treturn 300\n=======\n\tif absf(offset_ms) <= 35.0:\n\t\treturn 300\n>>>>>>> REPLACE\n' +
        'scripts/new/combo.gd\n<<<<<<< SEARCH\n=======\nextends RefCounted\nvar combo := 0\n>>>>>>> REPLACE\n',
    );
    const outcome = applyEditBlocks(root, blocks);
    expect(outcome.ok).toBe(true);
    expect(outcome.results.map((r) => r.status)).toEqual(['applied', 'created']);
    expect(read('scripts/beat_scorer.gd')).toBe(SCORER.replace('<= 30.0', '<= 35.0'));
    expect(read('scripts/new/combo.gd')).toBe('extends RefCounted\nvar combo := 0\n');
    expect(outcome.written.sort()).toEqual(['scripts/beat_scorer.gd', 'scripts/new/combo.gd']);
  });

  it('applies later blocks to the result of earlier blocks in the same file', () => {
    const { blocks } = parseEditBlocks('scripts/beat_scorer.gd\n<<<<<<< SEARCH\n\t\treturn 300\n=======\n\t\treturn PERFECT\n>>>>>>> REPLACE\n<<<<<<< SEARCH\n\t\treturn PERFECT\n=======\n\t\treturn 301\n>>>>>>> REPLACE\n');
    expect(applyEditBlocks(root, blocks).ok).toBe(true);
    expect(read('scripts/beat_scorer.gd')).toContain('\t\treturn 301\n');
  });

  it('never guesses: a near miss changes nothing and reports the closest lines with numbers', () => {
    const { blocks } = parseEditBlocks('scripts/beat_scorer.gd\n<<<<<<< SEARCH\n\tif abs(offset_ms) <= 30:\n\t\treturn 300\n=======\n\tif absf(offset_ms) <= 20.0:\n\t\treturn 300\n>>>>>>> REPLACE\n');
    const outcome = applyEditBlocks(root, blocks);
    expect(outcome.ok).toBe(false);
    expect(outcome.results[0]!.status).toBe('no_match');
    expect(outcome.results[0]!.message).toContain('closest lines in the file are 5-6');
    expect(outcome.results[0]!.message).toContain('    5 | \tif absf(offset_ms) <= 30.0:');
    expect(read('scripts/beat_scorer.gd')).toBe(SCORER);
  });

  it('explains an indentation-only mismatch (spaces instead of tabs) without applying it', () => {
    const { blocks } = parseEditBlocks('scripts/beat_scorer.gd\n<<<<<<< SEARCH\n    return 0\n=======\n    return -1\n>>>>>>> REPLACE\n');
    const outcome = applyEditBlocks(root, blocks);
    expect(outcome.results[0]!.status).toBe('no_match');
    expect(outcome.results[0]!.message).toMatch(/only in indentation/);
    expect(read('scripts/beat_scorer.gd')).toBe(SCORER);
  });

  it('refuses an ambiguous SEARCH that matches more than once, listing the lines', () => {
    const { blocks } = parseEditBlocks('scripts/beat_scorer.gd\n<<<<<<< SEARCH\n\tpass\n=======\n\treturn\n>>>>>>> REPLACE\n');
    const outcome = applyEditBlocks(root, blocks);
    expect(outcome.results[0]!.status).toBe('ambiguous');
    expect(outcome.results[0]!.message).toContain('lines 10, 13');
    expect(read('scripts/beat_scorer.gd')).toBe(SCORER);
  });

  it('refuses paths outside the worktree, absolute paths, .git, and symlinks that leave it', () => {
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    symlinkSync(outside, join(root, 'linked'));
    const text = ['../escape.gd', '/tmp/abs.gd', '.git/config', 'linked/evil.gd', 'scripts/']
      .map((p) => `${p}\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n`)
      .join('');
    const { blocks } = parseEditBlocks(text);
    const outcome = applyEditBlocks(root, blocks);
    expect(outcome.results.map((r) => r.status)).toEqual(['unsafe_path', 'unsafe_path', 'unsafe_path', 'unsafe_path', 'unsafe_path']);
    expect(outcome.results[4]!.message).toContain('is a folder');
    expect(existsSync(join(root, '..', 'escape.gd'))).toBe(false);
    expect(existsSync(join(outside, 'evil.gd'))).toBe(false);
  });

  it('refuses to create over an existing file and to edit a missing one', () => {
    const { blocks } = parseEditBlocks('scripts/beat_scorer.gd\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\nscripts/nope.gd\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n');
    const outcome = applyEditBlocks(root, blocks);
    expect(outcome.results.map((r) => r.status)).toEqual(['file_exists', 'missing_file']);
    expect(read('scripts/beat_scorer.gd')).toBe(SCORER);
  });

  it('writes the good blocks by default but nothing with allOrNothing', () => {
    const text = 'scripts/beat_scorer.gd\n<<<<<<< SEARCH\n\treturn 0\n=======\n\treturn -1\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nnot there\n=======\nx\n>>>>>>> REPLACE\n';
    const { blocks } = parseEditBlocks(text);
    const strict = applyEditBlocks(root, blocks, { allOrNothing: true });
    expect(strict.written).toEqual([]);
    expect(read('scripts/beat_scorer.gd')).toBe(SCORER);
    const lenient = applyEditBlocks(root, blocks);
    expect(lenient.written).toEqual(['scripts/beat_scorer.gd']);
    expect(read('scripts/beat_scorer.gd')).toContain('\treturn -1\n');
    const report = formatEditReport(lenient);
    expect(report).toMatch(/^1 edit block\(s\) failed/);
    expect(report).toContain('block 2 (scripts/beat_scorer.gd) FAILED [no_match]');
  });

  it('keeps CRLF line endings of an existing file', () => {
    writeFileSync(join(root, 'w.gd'), 'a\r\nb\r\n');
    const { blocks } = parseEditBlocks('w.gd\n<<<<<<< SEARCH\nb\n=======\nc\n>>>>>>> REPLACE\n');
    applyEditBlocks(root, blocks);
    expect(read('w.gd')).toBe('a\r\nc\r\n');
  });
});
