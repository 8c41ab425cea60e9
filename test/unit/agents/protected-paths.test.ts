// The protected-paths policy: property tests over path spellings, per-role rules, symbolic links on a real fs, git diffs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  checkRigPath,
  diffFileNames,
  normalizeRigPath,
  protectedPathsInDiff,
  resolveRigPath,
  type EditRole,
} from '../../../src/agents/policy/protected-paths.js';
import { applyEditBlocks } from '../../../src/agents/edits/apply.js';
import { parseEditBlocks } from '../../../src/agents/edits/parse.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { AEROBEAT_MINI } from './helpers/godot-shim.js';

// The sample rig: tests in test/unit, GUT from addons/gut, JUnit results in .gut/results.xml.
const rig = loadRigConfig(AEROBEAT_MINI).config;
const polecat = { role: 'polecat' as const, rig };
const ROLES: EditRole[] = ['polecat', 'refinery-tests', 'librarian'];
const WORKTREE = '/home/owner/.gastown-state/worktrees/polecat-ab-1234';

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const file = fc.tuple(name, fc.constantFrom('.gd', '.tscn', '.md', '.cfg')).map(([n, e]) => n + e);

/** Protected targets of the sample rig, as canonical segment lists. */
const protectedTarget = fc.oneof(
  fc.tuple(fc.constantFrom('test/unit', '.gastown', 'addons', '.github', '.git', 'addons/gut'), fc.array(name, { maxLength: 2 }), file).map(([d, mid, f]) => [...d.split('/'), ...mid, f]),
  fc.constantFrom(['project.godot'], ['override.cfg'], ['.gutconfig.json'], ['.gastown', 'rig.yml'], ['.gut', 'results.xml'], ['scripts', '.git', 'config']),
);
/** Ordinary code paths no role policy protects for a Polecat. */
const codeTarget = fc.tuple(fc.constantFrom('scripts', 'src', 'ui', 'levels', 'tests_old'), fc.array(name, { maxLength: 2 }), file).map(([d, mid, f]) => [d, ...mid, f]);

/** A random spelling of the same segments: "./", "x/../", doubled separators, backslashes. */
function spelled(segs: readonly string[]): fc.Arbitrary<string> {
  const sep = fc.constantFrom('/', '//', '\\', '/./', '\\.\\', '/\\');
  const detour = fc.option(name.map((n) => `${n}/../`), { nil: '' });
  return fc.tuple(fc.constantFrom('', './', '.\\', './/'), fc.array(fc.tuple(sep, detour), { minLength: segs.length, maxLength: segs.length })).map(([lead, parts]) =>
    lead + segs.map((s, i) => (i === 0 ? '' : parts[i]![0]) + parts[i]![1] + s).join(''),
  );
}
/** A spelling made absolute: the worktree's own prefix, a drive letter, a UNC share, a bare "/". */
function absolute(segs: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(`${WORKTREE}/`, 'C:\\rig\\', 'C:', '\\\\server\\share\\', '/', '//'), spelled(segs)).map(([p, s]) => p + s);
}

describe('normalizeRigPath', () => {
  it('refuses what cannot name a file in the rig: empty, NUL, absolute, drive letters, "..", trailing slash', () => {
    for (const bad of ['', '   ', 'scripts/a\0.gd', 'scripts/a\n.gd', '/etc/passwd', 'C:\\x.gd', 'c:x.gd', '\\\\srv\\x.gd', '../x.gd', 'scripts/../../x.gd', 'scripts/', 'scripts\\', '.', 'a/..']) {
      expect(normalizeRigPath(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('property: any spelling of a code path normalises to its canonical form, and that form is stable', () => {
    fc.assert(
      fc.property(codeTarget.chain((segs) => fc.tuple(fc.constant(segs), spelled(segs))), ([segs, s]) => {
        const n = normalizeRigPath(s);
        expect(n).toEqual({ ok: true, path: segs.join('/') });
        expect(normalizeRigPath(segs.join('/'))).toEqual(n);
      }),
      { numRuns: 400 },
    );
  });
});

describe('checkRigPath', () => {
  it('property: every spelling of a protected path is refused for the Polecat and the Librarian', () => {
    fc.assert(
      fc.property(protectedTarget.chain((segs) => fc.oneof(spelled(segs), absolute(segs))), (s) => {
        for (const role of ['polecat', 'librarian'] as const) {
          const v = checkRigPath({ role, rig }, s);
          expect(v.ok, `${role} ${JSON.stringify(s)}`).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: a code path is allowed for the Polecat under any relative spelling, with the same normalised result', () => {
    fc.assert(
      fc.property(codeTarget.chain((segs) => fc.tuple(fc.constant(segs), spelled(segs))), ([segs, s]) => {
        expect(checkRigPath(polecat, s)).toEqual({ ok: true, path: segs.join('/') });
      }),
      { numRuns: 400 },
    );
  });

  it('property: absolute spellings, even of the worktree itself, and climbs out of the rig are refused for every role', () => {
    const escape = fc.tuple(fc.array(fc.constantFrom('..', 'scripts/../..', '.\\..'), { minLength: 1, maxLength: 3 }), file).map(([ups, f]) => `${ups.join('/')}/${f}`);
    fc.assert(
      fc.property(fc.oneof(codeTarget.chain(absolute), escape, fc.constantFrom('test/unit/../../../x.gd')), (s) => {
        for (const role of ROLES) expect(checkRigPath({ role, rig }, s).ok, `${role} ${JSON.stringify(s)}`).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('names the reason: the tests are the contract; the rig config is the owner\'s', () => {
    const t = checkRigPath(polecat, 'scripts/../test/unit/test_combo_counter.gd');
    expect(t).toMatchObject({ ok: false, path: 'test/unit/test_combo_counter.gd', kind: 'protected' });
    expect(t.ok ? '' : t.reason).toMatch(/test\/unit is protected: the tests are the contract/);
    const g = checkRigPath(polecat, './.gastown\\rig.yml');
    expect(g.ok ? '' : g.reason).toMatch(/\.gastown is protected/);
    // Case does not dodge the policy, and the test command's own files are protected too.
    expect(checkRigPath(polecat, 'TEST/Unit/x.gd').ok).toBe(false);
    expect(checkRigPath(polecat, 'Project.Godot').ok).toBe(false);
    expect(checkRigPath(polecat, '.gut/results.xml').ok).toBe(false);
    // Other folders named like a test folder are code.
    expect(checkRigPath(polecat, 'test/fixtures/x.gd')).toEqual({ ok: true, path: 'test/fixtures/x.gd' });
    expect(checkRigPath(polecat, 'test/unit_helpers.gd')).toEqual({ ok: true, path: 'test/unit_helpers.gd' });
  });

  it('the Refinery\'s tests first write only inside the test folders', () => {
    const r = { role: 'refinery-tests' as const, rig };
    expect(checkRigPath(r, './test/unit/test_bonus.gd')).toEqual({ ok: true, path: 'test/unit/test_bonus.gd' });
    expect(checkRigPath(r, 'test\\unit\\sub\\test_bonus.gd')).toEqual({ ok: true, path: 'test/unit/sub/test_bonus.gd' });
    for (const bad of ['scripts/combo_counter.gd', 'test/unit/../../scripts/x.gd', 'test/unit/../x.gd', 'test/unit/.git/config', 'project.godot', '.gastown/rig.yml', 'README.md']) {
      const v = checkRigPath(r, bad);
      expect(v.ok, bad).toBe(false);
    }
    const out = checkRigPath(r, 'scripts/combo_counter.gd');
    expect(out.ok ? '' : out.reason).toContain("only inside the rig's test folder(s) test/unit");
  });

  it('the Librarian may write code files and the rig\'s docs, never the tests or the rig config', () => {
    const l = { role: 'librarian' as const, rig };
    for (const ok of ['README.md', './AGENTS.md', 'scripts/combo_counter.gd']) expect(checkRigPath(l, ok).ok, ok).toBe(true);
    for (const bad of ['test/unit/test_combo_counter.gd', '.gastown/rig.yml', 'addons/gut/gut.gd', '.github/workflows/x.yml', '../README.md']) {
      expect(checkRigPath(l, bad).ok, bad).toBe(false);
    }
  });
});

describe('resolveRigPath on a real worktree', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'gth-protected-'));
    root = join(base, 'rig');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'scripts'), { recursive: true });
    mkdirSync(join(root, 'test', 'unit'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'test', 'unit', 'test_a.gd'), 'extends GutTest\n');
    writeFileSync(join(root, 'scripts', 'a.gd'), 'extends Node\n');
    writeFileSync(join(outside, 'secret.gd'), 'secret\n');
    symlinkSync(outside, join(root, 'scripts', 'out'));
    symlinkSync(join(root, 'test', 'unit'), join(root, 'scripts', 'tests_link'));
    symlinkSync(join(root, 'test', 'unit', 'test_a.gd'), join(root, 'scripts', 'b.gd'));
    symlinkSync(join(base, 'nowhere'), join(root, 'scripts', 'dangling'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('refuses a symlinked folder that points out of the rig, for every role', () => {
    for (const role of ROLES) {
      const v = resolveRigPath(root, role === 'refinery-tests' ? 'test/unit/../../scripts/out/x.gd' : 'scripts/out/secret.gd', { role, rig });
      expect(v.ok, role).toBe(false);
    }
    const v = resolveRigPath(root, 'scripts/out/secret.gd', polecat);
    expect(v.ok ? '' : v.reason).toContain('leaves the rig through the symbolic link scripts/out');
    expect(resolveRigPath(root, 'scripts/out/new.gd', null).ok).toBe(false);
  });

  it('refuses a link inside the rig that leads into the tests, and a dangling link', () => {
    const folder = resolveRigPath(root, 'scripts/tests_link/test_a.gd', polecat);
    expect(folder.ok ? '' : folder.reason).toMatch(/symbolic link to test\/unit\/test_a\.gd: test\/unit is protected/);
    expect(resolveRigPath(root, 'scripts/b.gd', polecat).ok).toBe(false);
    expect(resolveRigPath(root, 'scripts/dangling', polecat).ok).toBe(false);
  });

  it('resolves a plain or new file to the real path it will write', () => {
    expect(resolveRigPath(root, './scripts//a.gd', polecat)).toMatchObject({ ok: true, path: 'scripts/a.gd' });
    const created = resolveRigPath(root, 'scripts/new/deep.gd', polecat);
    expect(created).toMatchObject({ ok: true, path: 'scripts/new/deep.gd' });
    expect(resolveRigPath(root, 'scripts', polecat).ok).toBe(false);
  });

  it('the edit applier writes nothing through a refused path and names the reason', () => {
    const text = ['scripts/out/secret.gd', './test/unit/test_a.gd', 'scripts/tests_link/test_a.gd', 'scripts/a.gd']
      .map((p, i) => (i === 3 ? `${p}\n<<<<<<< SEARCH\nextends Node\n=======\nextends Node2D\n>>>>>>> REPLACE\n` : `${p}\n<<<<<<< SEARCH\n=======\npwned\n>>>>>>> REPLACE\n`))
      .join('');
    const outcome = applyEditBlocks(root, parseEditBlocks(text).blocks, { allOrNothing: true, policy: polecat });
    expect(outcome.results.map((r) => r.status)).toEqual(['unsafe_path', 'protected_path', 'protected_path', 'applied']);
    expect(outcome.ok).toBe(false);
    expect(outcome.written).toEqual([]);
    expect(readFileSync(join(outside, 'secret.gd'), 'utf8')).toBe('secret\n');
    expect(readFileSync(join(root, 'test', 'unit', 'test_a.gd'), 'utf8')).toBe('extends GutTest\n');
    expect(readFileSync(join(root, 'scripts', 'a.gd'), 'utf8')).toBe('extends Node\n');
    expect(outcome.results[1]!.message).toContain('the tests are the contract');
  });
});

describe('diffFileNames and protectedPathsInDiff on real git diffs', () => {
  let repo: string;
  const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', '-c', 'core.quotePath=true', ...args], { cwd: repo });
  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), 'gth-diffnames-'));
    await git('init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'test', 'unit'), { recursive: true });
    mkdirSync(join(repo, 'scripts'));
    writeFileSync(join(repo, 'test', 'unit', 'test_old.gd'), 'extends GutTest\n');
    writeFileSync(join(repo, 'scripts', 'a.gd'), 'extends Node\n');
    writeFileSync(join(repo, 'project.godot'), 'config_version=5\n');
    await git('add', '-A');
    await git('commit', '-qm', 'base');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('reads every touched file (renames, spaces, non-ASCII, deletions) and ignores header-like content lines', async () => {
    await git('checkout', '-qb', 'change');
    await git('mv', 'test/unit/test_old.gd', 'scripts/moved.gd');
    writeFileSync(join(repo, 'scripts', 'with space.gd'), 'x\n');
    writeFileSync(join(repo, 'scripts', 'tést.gd'), 'x\n');
    // A content line that looks like a file header must not add (or hide) a file.
    writeFileSync(join(repo, 'scripts', 'a.gd'), 'extends Node\n-- a/.gastown/rig.yml\n++ b/.github/evil.yml\ndiff --git a/x b/x\n');
    rmSync(join(repo, 'project.godot'));
    await git('add', '-A');
    await git('commit', '-qm', 'change');
    const diff = (await git('diff', '-M', 'main...HEAD')).stdout;
    const names = diffFileNames(diff).sort();
    const byGit = (await git('-c', 'core.quotePath=false', 'diff', '-M', '--name-status', 'main...HEAD')).stdout
      .split('\n')
      .flatMap((l) => l.split('\t').slice(1))
      .sort();
    expect(names).toEqual(byGit);
    expect(names).toContain('scripts/tést.gd');
    expect(names).toContain('scripts/with space.gd');
    expect(names).not.toContain('.gastown/rig.yml');
    const hits = protectedPathsInDiff(names, rig);
    expect(hits.map((h) => h.path).sort()).toEqual(['project.godot', 'test/unit/test_old.gd']);
    expect(hits.find((h) => h.path === 'test/unit/test_old.gd')!.reason).toContain('the tests are the contract');
    expect(existsSync(join(repo, 'scripts', 'moved.gd'))).toBe(true);
  });

  it('a code-only change touches nothing protected', () => {
    expect(protectedPathsInDiff(['scripts/a.gd', 'scripts/new.gd', 'README.md'], rig)).toEqual([]);
  });
});
