// One protected-paths policy for every model edit: normalises a model-given path, then allows or refuses it per role.
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { RigConfig } from '../rig/schema.js';

/** Who is editing: a Polecat's code, the Refinery's tests-first files, the Librarian's docs. */
export type EditRole = 'polecat' | 'refinery-tests' | 'librarian';

/** The policy an edit applier enforces: a role on one rig. */
export interface EditPolicy {
  role: EditRole;
  rig: RigConfig;
}

export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };
/** Why a path was refused: it cannot name a file inside the rig at all, or the role may not touch it. */
export type RefusalKind = 'unsafe' | 'protected';
export type Refusal = { ok: false; path: string; reason: string; kind: RefusalKind };
export type PathVerdict = { ok: true; path: string } | Refusal;
export type ResolvedPath = { ok: true; path: string; abs: string } | Refusal;

export interface ProtectedEntry {
  /** Rig-relative POSIX path of a file or folder; '' protects the whole rig. */
  path: string;
  why: string;
}

/**
 * The files and folders no model may edit, whatever its role: they decide what runs and how it is judged,
 * so they are the owner's. The single list; everything else in this file derives from it.
 */
export const ALWAYS_PROTECTED: readonly ProtectedEntry[] = [
  { path: '.gastown', why: "the rig's config (test command, coverage rule) is the owner's" },
  { path: '.github', why: 'CI workflows run on the runner with its credentials' },
  { path: 'addons', why: 'third-party Godot add-ons, the test framework among them, are not the bead\'s code' },
  { path: 'project.godot', why: 'project settings and autoloads run inside every test' },
  { path: 'override.cfg', why: 'it overrides project.godot' },
  { path: '.gutconfig.json', why: 'it decides which tests GUT runs' },
  { path: '.godot', why: "Godot's import cache is generated, not edited" },
  { path: '.gitmodules', why: 'submodules are the owner\'s' },
];

/** Any path segment named like this is git's own data (a nested repository or a worktree's link). */
const GIT_DIR = '.git';

const TESTS_WHY = 'the tests are the contract written by the Refinery; change the code instead';

/**
 * Normalises a path a model wrote into a rig-relative POSIX path: backslashes become "/", "./", "//" and
 * "a/.." collapse. Refuses what cannot name a file inside the rig: empty, NUL or control characters,
 * absolute paths, drive letters, UNC paths, a climb above the root, a trailing "/" (a folder).
 */
export function normalizeRigPath(raw: string): NormalizedPath {
  if (raw.trim() === '') return { ok: false, reason: 'the path is empty' };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { ok: false, reason: 'the path contains a NUL or control character' };
  const p = raw.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || isAbsolute(raw)) {
    return { ok: false, reason: 'absolute paths are not allowed; use a path relative to the rig root' };
  }
  if (p.endsWith('/')) return { ok: false, reason: 'the path is a folder (it ends with "/"), not a file' };
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return { ok: false, reason: 'the path leaves the rig (".." above its root)' };
      out.pop();
    } else out.push(seg);
  }
  if (out.length === 0) return { ok: false, reason: 'the path names the rig root, not a file' };
  return { ok: true, path: out.join('/') };
}

/** Normalises a folder or file named in rig.yml; '.' (or an unusable entry) stands for the whole rig. */
function configPath(p: string): string {
  const n = normalizeRigPath(p.replace(/[\\/]+$/, '') || '.');
  return n.ok ? n.path : '';
}

/** True when `path` is `entry` or inside it. Case-insensitive, so `Test/` cannot dodge `test/` on any filesystem. */
export function isUnder(path: string, entry: string): boolean {
  if (entry === '') return true;
  const a = path.toLowerCase();
  const b = entry.toLowerCase();
  return a === b || a.startsWith(`${b}/`);
}

/** Paths the rig's test command names (`addons/gut/gut_cmdln.gd`, `-gdir=res://test/unit`): changing them changes the judge. */
function testCommandPaths(rig: RigConfig): string[] {
  const out: string[] = [];
  for (const arg of rig.tests.command.slice(1)) {
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    if (value.startsWith('-')) continue;
    const local = value.replace(/^res:\/\//, '');
    if (!/[./]/.test(local)) continue;
    const n = normalizeRigPath(local.replace(/\/+$/, ''));
    if (n.ok) out.push(n.path);
  }
  return out;
}

/** The rig's test folders, normalised. */
export function testDirs(rig: RigConfig): string[] {
  return rig.tests.dirs.map(configPath);
}

/** Everything a Polecat (and a change under review) must leave alone on this rig, each with why. */
export function protectedPaths(rig: RigConfig): ProtectedEntry[] {
  const entries: ProtectedEntry[] = [...ALWAYS_PROTECTED];
  for (const d of testDirs(rig)) entries.push({ path: d, why: TESTS_WHY });
  if (rig.tests.results.junitXml) entries.push({ path: configPath(rig.tests.results.junitXml), why: 'the test results file is written by the test run' });
  for (const p of testCommandPaths(rig)) entries.push({ path: p, why: "the rig's test command uses it" });
  return entries;
}

/** Every protected entry covering `path` (already normalised), most fundamental first. */
export function protectedEntriesFor(path: string, rig: RigConfig): ProtectedEntry[] {
  const git = path.split('/').some((s) => s.toLowerCase() === GIT_DIR) ? [{ path: GIT_DIR, why: "git's own data cannot be edited" }] : [];
  return [...git, ...protectedPaths(rig).filter((e) => isUnder(path, e.path))];
}

function describe(entry: ProtectedEntry): string {
  return entry.path === '' ? 'the whole rig is protected' : `${entry.path} is protected: ${entry.why}`;
}

/** Decides, for a path already normalised, whether `role` may write it. Pure. */
function decide(role: EditRole, path: string, rig: RigConfig): string | null {
  const entries = protectedEntriesFor(path, rig);
  if (role === 'refinery-tests') {
    const dirs = testDirs(rig);
    if (!dirs.some((d) => isUnder(path, d) && path.toLowerCase() !== d.toLowerCase())) {
      return `the Refinery writes tests only inside the rig's test folder(s) ${rig.tests.dirs.join(', ')}`;
    }
    // Inside a test folder, but still not .git, the results file or anything else protected for another
    // reason (entries that hold a test folder, like the test command's own -gdir, do not count).
    const hard = entries.find((e) => e.why !== TESTS_WHY && !dirs.some((d) => isUnder(d, e.path)));
    return hard ? describe(hard) : null;
  }
  const entry = entries[0];
  if (!entry) return null;
  // The Librarian may refresh the rig's docs even where they sit in a protected folder, but never in .git or .gastown.
  if (role === 'librarian' && entry.path !== GIT_DIR && entry.path !== '.gastown') {
    const docs = [...rig.docs.map(configPath), 'README.md'];
    if (docs.some((d) => d.toLowerCase() === path.toLowerCase())) return null;
  }
  return describe(entry);
}

/** Normalises a model-given path and applies the role's policy; pure (symbolic links: see resolveRigPath). */
export function checkRigPath(policy: EditPolicy, raw: string): PathVerdict {
  const n = normalizeRigPath(raw);
  if (!n.ok) return { ok: false, path: raw, reason: n.reason, kind: 'unsafe' };
  const refused = decide(policy.role, n.path, policy.rig);
  return refused ? { ok: false, path: n.path, reason: refused, kind: 'protected' } : { ok: true, path: n.path };
}

function inside(realRoot: string, p: string): boolean {
  return p === realRoot || p.startsWith(realRoot + sep);
}

/**
 * The fs-aware part: resolves a model-given path inside the worktree `root`, following symbolic links with
 * realpath so that a linked folder pointing outside the rig (or into its tests) is refused. The policy is
 * applied to the spelled path and again to the real one. `policy` null checks only "a file inside the rig,
 * not .git". `abs` is the real file to write.
 */
export function resolveRigPath(root: string, raw: string, policy: EditPolicy | null): ResolvedPath {
  const spelled = policy ? checkRigPath(policy, raw) : checkInsideOnly(raw);
  if (!spelled.ok) return spelled;
  const realRoot = realpathSync(root);
  const segs = spelled.path.split('/');
  let real = realRoot;
  for (let i = 0; i < segs.length; i++) {
    const next = join(real, segs[i]!);
    let link = false;
    try {
      link = lstatSync(next).isSymbolicLink();
    } catch {
      // Does not exist yet: the rest of the path will be created under `real`.
      real = join(next, ...segs.slice(i + 1));
      break;
    }
    if (!link) {
      real = next;
      continue;
    }
    const at = segs.slice(0, i + 1).join('/');
    let target: string;
    try {
      target = realpathSync(next);
    } catch {
      return { ok: false, path: spelled.path, reason: `${at} is a symbolic link to nothing (or a loop)`, kind: 'unsafe' };
    }
    if (!inside(realRoot, target)) return { ok: false, path: spelled.path, reason: `the path leaves the rig through the symbolic link ${at}`, kind: 'unsafe' };
    real = target;
  }
  const realRel = relative(realRoot, real).split(sep).join('/');
  if (realRel === '' || realRel.startsWith('..')) return { ok: false, path: spelled.path, reason: 'the path leaves the rig', kind: 'unsafe' };
  if (realRel !== spelled.path) {
    const again = policy ? checkRigPath(policy, realRel) : checkInsideOnly(realRel);
    if (!again.ok) return { ...again, path: spelled.path, reason: `${spelled.path} is a symbolic link to ${realRel}: ${again.reason}` };
  }
  try {
    if (statSync(real).isDirectory()) return { ok: false, path: spelled.path, reason: 'the path is a folder, not a file', kind: 'unsafe' };
  } catch {
    // A new file: fine.
  }
  return { ok: true, path: realRel, abs: real };
}

/** Role-less check: normalised, inside the rig, not git's own data. */
function checkInsideOnly(raw: string): PathVerdict {
  const n = normalizeRigPath(raw);
  if (!n.ok) return { ok: false, path: raw, reason: n.reason, kind: 'unsafe' };
  if (n.path.split('/').some((s) => s.toLowerCase() === GIT_DIR)) return { ok: false, path: n.path, reason: "files under .git cannot be edited: git's own data", kind: 'unsafe' };
  return { ok: true, path: n.path };
}

export interface ProtectedHit {
  path: string;
  reason: string;
}

/**
 * The files of a change (paths as git prints them) that touch a protected path of the rig: the review and
 * `gth eval` fail such a change whatever the model says. A path that does not even normalise is a hit too.
 */
export function protectedPathsInDiff(diffFiles: readonly string[], rig: RigConfig): ProtectedHit[] {
  const hits: ProtectedHit[] = [];
  for (const f of diffFiles) {
    const v = checkRigPath({ role: 'polecat', rig }, f);
    if (!v.ok) hits.push({ path: f, reason: v.reason });
  }
  return hits;
}

/** Unquotes a path git printed in C style ("a/t\303\251st.gd", with octal escapes for non-ASCII bytes). */
function gitUnquote(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"') || s.length < 2) return s;
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, a: 7, v: 11, '\\': 92, '"': 34 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = body[i + 1] ?? '';
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[n] ?? n.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The files a unified git diff touches (both sides of renames and copies), read from the per-file headers
 * only, never from hunk lines, so content that looks like a header cannot add or hide a file.
 */
export function diffFileNames(diff: string): string[] {
  const files = new Set<string>();
  let inHeader = false;
  // `prefixed`: "--- a/P" and "+++ b/P" carry git's a/ b/ prefixes; rename and copy lines do not.
  const side = (s: string, prefixed: boolean): void => {
    const u = gitUnquote(s);
    if (u === '/dev/null') return;
    files.add(prefixed ? u.replace(/^[ab]\//, '') : u);
  };
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      inHeader = true;
      const rest = line.slice('diff --git '.length);
      // Same path both sides ("a/P b/P"): split in the middle; renames are named below by rename lines.
      const half = (rest.length - 1) / 2;
      if (Number.isInteger(half) && rest[half] === ' ') {
        const a = gitUnquote(rest.slice(0, half));
        const b = gitUnquote(rest.slice(half + 1));
        if (a.replace(/^a\//, '') === b.replace(/^b\//, '')) side(a, true);
      }
      continue;
    }
    if (!inHeader) continue;
    if (line.startsWith('@@') || line.startsWith('Binary files ')) {
      inHeader = false;
      continue;
    }
    const m = /^(--- |\+\+\+ |rename from |rename to |copy from |copy to )(.*)$/.exec(line);
    if (m) side(m[2]!.replace(/\t.*$/, ''), m[1] === '--- ' || m[1] === '+++ ');
  }
  return [...files];
}
