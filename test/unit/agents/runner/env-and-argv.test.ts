// The rig runner's pure parts: the allow-listed environment and the bubblewrap argv (mount order, masks).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isSecretName, sandboxEnv } from '../../../../src/agents/rig/runner/env.js';
import { bwrapArgs, type PathKind } from '../../../../src/agents/rig/runner/bwrap.js';

const dirs = { home: '/tmp/home', tmp: '/tmp' };

describe('sandboxEnv', () => {
  it('keeps only allow-listed names and sets a fresh HOME, XDG dirs and credential-free git', () => {
    const env = sandboxEnv(
      {
        PATH: '/usr/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TERM: 'dumb', TZ: 'UTC', HOME: '/home/owner', USER: 'owner',
        GITHUB_TOKEN: 'x', GTH_GITHUB_TOKEN: 'x', GEMINI_API_KEY: 'x', PRIVATE_KEY: 'x', PRIVATE_KEY_PATH: '/etc/k.pem', WEBHOOK_SECRET: 'x',
        AWS_ACCESS_KEY_ID: 'x', SSH_AUTH_SOCK: '/run/ssh', GIT_ASKPASS: '/bin/askpass', GIT_CONFIG_GLOBAL: '/home/owner/.gitconfig',
        GTH_STATE_DIR: '/var/lib/gth', LC_TOKEN: 'x', GODOT_BIN: '/opt/godot', NODE_OPTIONS: '--require /tmp/evil.js',
      },
      dirs,
    );
    expect(env).toEqual({
      PATH: '/usr/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TERM: 'dumb', TZ: 'UTC',
      HOME: '/tmp/home', TMPDIR: '/tmp',
      XDG_CONFIG_HOME: '/tmp/home/.config', XDG_CACHE_HOME: '/tmp/home/.cache', XDG_DATA_HOME: '/tmp/home/.local/share', XDG_STATE_HOME: '/tmp/home/.local/state',
      GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0',
    });
  });

  it('never passes a secret-looking name, whatever its spelling', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_]{0,8}$/);
    const secret = fc.constantFrom('TOKEN', 'token', 'KEY', 'Key', 'SECRET', 'PASSWORD', 'passwd', 'CREDENTIALS', 'AUTH');
    fc.assert(
      fc.property(word, secret, word, (a, s, b) => {
        const name = `LC_${a}${s}${b}`; // LC_* is allow-listed: the deny list must still win
        expect(isSecretName(name)).toBe(true);
        expect(Object.keys(sandboxEnv({ [name]: 'v' }, dirs))).not.toContain(name);
      }),
    );
  });

  it('gives a PATH even when the caller has none', () => {
    expect(sandboxEnv({}, dirs).PATH).toBe('/usr/local/bin:/usr/bin:/bin');
  });
});

describe('bwrapArgs', () => {
  /** A host where /bin and /lib are symlinks into /usr (merged /usr) and the given folders/files exist. */
  const host = (dirsOnHost: string[], files: string[] = []) => (p: string): PathKind => {
    if (p === '/bin') return { link: 'usr/bin' };
    if (p === '/lib') return { link: 'usr/lib' };
    if (p === '/usr') return 'dir';
    if (dirsOnHost.includes(p)) return 'dir';
    if (files.includes(p)) return 'file';
    return null;
  };
  const plan = {
    bwrap: '/usr/bin/bwrap', worktree: '/srv/state/worktrees/pc-1', command: ['godot', '--headless'], home: '/tmp/home', emptyFile: '/tmp/gth-rig-x/empty',
    readOnly: ['/opt/gth', '/home/owner/.nvm/bin', '/usr/local/bin', '/', 'relative/bin'],
    hidden: ['/home/owner', '/srv/state', '/opt/gth/.gastown-state'],
  };
  const onHost = host(
    ['/opt/gth', '/opt/gth/.git', '/opt/gth/.gastown-state', '/home/owner', '/home/owner/.nvm/bin', '/srv/state', plan.worktree],
    [`${plan.worktree}/.git`],
  );

  it('isolates everything and runs the command in the worktree', () => {
    const args = bwrapArgs(plan, onHost);
    expect(args.slice(0, 6)).toEqual(['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--ro-bind']);
    expect(args.slice(-5)).toEqual(['--chdir', plan.worktree, '--', 'godot', '--headless']);
    expect(args.join(' ')).toContain('--symlink usr/bin /bin --symlink usr/lib /lib');
    expect(args.join(' ')).toContain('--proc /proc --dev /dev --tmpfs /tmp --dir /tmp/home');
    expect(args).not.toContain('/etc');
    expect(args.join(' ')).not.toMatch(/--bind \/ |--ro-bind \/ |relative/);
  });

  it('binds read-only folders, masks hidden paths inside them, then binds the worktree and masks its .git', () => {
    const mounts = bwrapArgs(plan, onHost).join(' ').split(' --dir /tmp/home ')[1]!.split(' --chdir')[0];
    expect(mounts).toBe(
      [
        '--ro-bind /opt/gth /opt/gth',
        '--tmpfs /opt/gth/.gastown-state',
        '--tmpfs /opt/gth/.git', // gth's own checkout: its .git (maybe with a token) is not there
        '--ro-bind /home/owner/.nvm/bin /home/owner/.nvm/bin', // only this folder of the owner's HOME
        `--bind ${plan.worktree} ${plan.worktree}`,
        `--ro-bind /tmp/gth-rig-x/empty ${plan.worktree}/.git`,
      ].join(' '),
    );
  });

  it('never binds a PATH folder that is a hidden path itself', () => {
    const args = bwrapArgs({ ...plan, readOnly: ['/home/owner'] }, onHost).join(' ');
    expect(args).not.toContain('--ro-bind /home/owner ');
  });
});
