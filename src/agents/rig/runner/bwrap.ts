// Pure builder of the bubblewrap argv that runs one rig command: no network, worktree writable, little else visible.
import { posix } from 'node:path';

/** What a host path is, as seen before the sandbox starts (injected so the builder stays pure). */
export type PathKind = 'dir' | 'file' | { link: string } | null;
export type Probe = (path: string) => PathKind;

export interface BwrapPlan {
  /** Absolute path of the bwrap binary. */
  bwrap: string;
  /** The rig worktree: the only writable host folder; the command runs there. */
  worktree: string;
  command: string[];
  /** Host folders the command needs to read (PATH folders, gth's own install): bound read-only. */
  readOnly: string[];
  /** Host paths that must stay invisible even when they lie inside a bound folder (owner's HOME, state folder). */
  hidden: string[];
  /** HOME inside the sandbox (on its fresh /tmp). */
  home: string;
  /** An empty host file, bound over files that must read as empty (device nodes like /dev/null do not open on nodev binds). */
  emptyFile: string;
}

/** Top-level system folders; on merged-/usr systems most are symlinks into /usr. */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** The few /etc files programs need to start; the rest of /etc (e.g. /etc/gastown-hybrid/app.env) stays out. */
const ETC = [
  '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/passwd', '/etc/group',
  '/etc/nsswitch.conf', '/etc/localtime', '/etc/timezone', '/etc/fonts', '/etc/mime.types',
];

const depth = (p: string): number => p.split('/').filter(Boolean).length;
const inside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

interface Op {
  path: string;
  args: (kind: PathKind) => string[];
  /** Masks win over binds at the same path. */
  mask: boolean;
}

export function bwrapArgs(plan: BwrapPlan, probe: Probe): string[] {
  const norm = (p: string): string => posix.normalize(p).replace(/(.)\/+$/, '$1');
  const worktree = norm(plan.worktree);
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  for (const dir of SYSTEM) {
    const kind = probe(dir);
    if (kind === null) continue;
    if (typeof kind === 'object') args.push('--symlink', kind.link, dir);
    else args.push('--ro-bind', dir, dir);
  }
  for (const f of ETC) args.push('--ro-bind-try', f, f);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', plan.home);

  // Bound folders: never "/" and never a system folder already bound above.
  const readOnly = [...new Set(plan.readOnly.filter((p) => posix.isAbsolute(p)).map(norm))].filter(
    (p) => p !== '/' && !SYSTEM.some((s) => inside(p, s)) && probe(p) === 'dir',
  );
  const bound = [...readOnly, worktree];
  const hidden = new Set([...plan.hidden.filter((p) => posix.isAbsolute(p)).map(norm), ...bound.map((b) => `${b}/.git`)]);

  const ops: Op[] = readOnly.map((p) => ({ path: p, mask: false, args: () => ['--ro-bind', p, p] }));
  ops.push({ path: worktree, mask: false, args: () => ['--bind', worktree, worktree] });
  for (const h of hidden) {
    // Only paths that some bound folder would show need a mask; the rest are absent anyway.
    if (!bound.some((b) => inside(h, b))) continue;
    ops.push({
      path: h,
      mask: true,
      // A folder becomes an empty tmpfs (writes vanish, e.g. no .git/hooks that the host would later run);
      // a file (a worktree's gitdir pointer, a credentials file) becomes empty and read-only.
      args: (kind) => (kind === 'dir' ? ['--tmpfs', h] : ['--ro-bind', plan.emptyFile, h]),
    });
  }
  // Deeper mounts go later so they override their parents: the state folder masked inside gth's install, a
  // worktree bound inside that masked state folder, the worktree's own .git masked last.
  ops.sort((a, b) => depth(a.path) - depth(b.path) || Number(a.mask) - Number(b.mask));
  const maskedAt = new Set(ops.filter((o) => o.mask).map((o) => o.path));
  for (const op of ops) {
    if (!op.mask && op.path !== worktree && maskedAt.has(op.path)) continue;
    const kind = probe(op.path);
    if (op.mask && (kind === null || typeof kind === 'object')) continue;
    args.push(...op.args(kind));
  }
  args.push('--chdir', worktree, '--', ...plan.command);
  return args;
}
