// Eval measures what run-epic does: src/eval drives the lifecycle engine, never a role procedure itself, and runs git only through the rig's git interface.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/cli.js';

const dir = join(repoRoot, 'src', 'eval');
const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: `src/eval/${f}`, text: readFileSync(join(dir, f), 'utf8') }));

/** Every `file: line` of src/eval where `re` matches. */
const hits = (re: RegExp): string[] => sources.flatMap(({ file, text }) => text.split('\n').flatMap((l, i) => (re.test(l) ? [`${file}:${i + 1}: ${l.trim()}`] : [])));

describe('src/eval layering', () => {
  it('reads real sources', () => {
    expect(sources.map((s) => s.file)).toEqual(expect.arrayContaining(['src/eval/run-task.ts', 'src/eval/workspace.ts']));
  });

  it('never calls the role procedures (runPolecat, reviewChange, runLibrarian): the lifecycle engine runs the roles', () => {
    expect(hits(/\b(runPolecat|reviewChange|runLibrarian)\b/)).toEqual([]);
  });

  it('drives the convoy through the engine’s driver', () => {
    expect(hits(/\brunConvoy\(/).length).toBeGreaterThan(0);
  });

  it('runs no git (or any process) of its own: git goes through the RigGit interface', () => {
    expect(hits(/from ['"](execa|simple-git|node:child_process|child_process)['"]/)).toEqual([]);
  });
});
