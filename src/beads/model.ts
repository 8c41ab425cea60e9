// The bead vocabulary without zod (enums, id form, path and title rules): read commands load this, not the schemas.
// schema.ts builds the zod schemas from these and re-exports them, so each rule has one definition.

export const BEAD_TYPES = ['task', 'bug', 'feature', 'test', 'docs', 'epic', 'chore'] as const;
export const ROLES = ['mayor', 'crew', 'refinery', 'polecat', 'librarian'] as const;
export const STATUSES = ['open', 'in_progress', 'blocked', 'review', 'done', 'failed', 'cancelled'] as const;
export const DEP_KINDS = ['blocks', 'parent-child', 'related', 'discovered-from'] as const;

/**
 * Ids look like `ab-7k2f`: a lowercase prefix, a dash, base36. Imported `bd` ids such as `gt-mol-p5zm` or
 * `gt-abc.1.2` are valid too (more base36 parts after `-` or `.`). Ids become file names, so nothing else
 * (no `/`, `..`, `_`, upper case, which a case-insensitive file system would fold) is allowed.
 */
export const BEAD_ID_RE = /^[a-z][a-z0-9]{0,15}-[a-z0-9]+(?:[.-][a-z0-9]+)*$/;
export const BEAD_ID_MAX = 64;
export const BEAD_ID_FORM = '<prefix>-<base36>, e.g. "ab-7k2f" (lowercase letters and digits; bd ids may add ".1" or "-x" parts)';

export function isBeadId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= BEAD_ID_MAX && BEAD_ID_RE.test(id);
}

/** Titles are one line of reasonable length: long text belongs in the description. */
export const TITLE_MAX = 200;

/** Every rule a title breaks (none: a good title). */
export function titleProblems(title: string): string[] {
  const out: string[] = [];
  if (title.trim() === '') out.push('title must not be empty');
  if (/[\r\n]/.test(title)) out.push('title must be a single line (long text belongs in the description)');
  if (title.length > TITLE_MAX) out.push(`title must be at most ${TITLE_MAX} characters (long text belongs in the description)`);
  return out;
}

/** Why `path` is not a safe relative POSIX path inside a rig, or null when it is. */
export function rigPathProblem(path: string): string | null {
  if (path.trim() === '') return 'must not be empty';
  if (path.includes('\0')) return 'must not contain a NUL character';
  if (path.includes('\\')) return 'must use "/" separators, not backslashes';
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'must be relative to the rig, not absolute';
  if (path.split('/').includes('..')) return 'must not contain ".." segments';
  return null;
}
