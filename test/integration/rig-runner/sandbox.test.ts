// The rig runner with real processes and real bubblewrap: no secrets, no owner files, no network, judged on exit code.
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, tempDir } from '../../support/git.js';
import { runRigCommand, findOnPath } from '../../../src/agents/rig/runner/index.js';
import { runRigTests } from '../../../src/agents/rig/run-tests.js';
import { RigConfig } from '../../../src/agents/rig/schema.js';

const SECRETS = {
  GITHUB_TOKEN: 'ghs_FAKEgithubTOKEN0123456789',
  GTH_GITHUB_TOKEN: 'ghs_FAKEgthTOKEN0123456789',
  GEMINI_API_KEY: 'AIzaFAKEgeminiKEY0123456789',
  PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----FAKEprivateKEY',
  WEBHOOK_SECRET: 'FAKEwebhookSECRET0123456789',
};
const TOKEN_IN_FILES = 'ghp_FAKEtokenINaFILE0123456789';

/** What model-written test code might try: dump the env, read the owner's files, phone home. */
const PROBE = `
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
const [files, port, code] = [JSON.parse(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const reads = {};
for (const f of files) {
  try { reads[f] = 'READ:' + readFileSync(f, 'utf8'); } catch (e) { reads[f] = 'ERR:' + e.code; }
}
const net = await new Promise((resolve) => {
  const s = connect(port, '127.0.0.1', () => { s.end(); resolve('CONNECTED'); });
  s.on('error', (e) => resolve('ERR:' + e.code));
});
console.log(JSON.stringify({ env: process.env, reads, net }));
process.exit(code);
`;

const bwrapMissing = findOnPath('bwrap', process.env.PATH) === null;

describe.skipIf(bwrapMissing)('rig runner inside bubblewrap (real processes)', () => {
  let root: { path: string; cleanup: () => Promise<void> };
  let server: Server;
  let port = 0;
  let connections = 0;
  let owner: string;
  let state: string;
  let town: string;
  let worktree: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = await tempDir('rig-runner-');
    server = createServer((s) => {
      connections++;
      s.end('hello');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;

    // The owner's HOME, with a tool folder on PATH inside it (as nvm or ~/.local/bin would be).
    owner = join(root.path, 'owner');
    mkdirSync(join(owner, '.config', 'gh'), { recursive: true });
    mkdirSync(join(owner, '.ssh'));
    mkdirSync(join(owner, 'bin'));
    symlinkSync(process.execPath, join(owner, 'bin', 'node'));
    writeFileSync(join(owner, '.gitconfig'), `[user]\n  name = Owner\n[credential]\n  helper = store\n# ${TOKEN_IN_FILES}\n`);
    writeFileSync(join(owner, '.config', 'gh', 'hosts.yml'), `github.com:\n  oauth_token: ${TOKEN_IN_FILES}\n`);
    writeFileSync(join(owner, '.ssh', 'id_ed25519'), `${TOKEN_IN_FILES}\n`);
    state = join(root.path, 'state');
    mkdirSync(state);
    writeFileSync(join(state, 'installation-token.json'), JSON.stringify({ token: TOKEN_IN_FILES }));

    // The town: its .git/config carries a token the way actions/checkout leaves one; the rig worktree is a git worktree of it.
    town = join(root.path, 'town');
    mkdirSync(town);
    await git(town, 'init', '-q', '-b', 'main');
    await git(town, 'config', 'http.https://github.com/.extraheader', `AUTHORIZATION: basic ${TOKEN_IN_FILES}`);
    await git(town, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-q', '--allow-empty', '-m', 'init');
    worktree = join(root.path, 'wt');
    await git(town, 'worktree', 'add', '-q', '-b', 'polecat/x', worktree);
    writeFileSync(join(worktree, 'probe.mjs'), PROBE);

    env = { ...process.env, ...SECRETS, HOME: owner, GTH_STATE_DIR: state, PATH: `${join(owner, 'bin')}:${process.env.PATH ?? ''}` };
  });

  afterAll(async () => {
    server.close();
    await root.cleanup();
  });

  const probeFiles = (): string[] => [
    join(owner, '.gitconfig'),
    join(owner, '.config', 'gh', 'hosts.yml'),
    join(owner, '.ssh', 'id_ed25519'),
    join(state, 'installation-token.json'),
    join(town, '.git', 'config'),
    '/etc/gastown-hybrid/app.env',
  ];
  const probeCommand = (code: number): string[] => ['node', 'probe.mjs', JSON.stringify(probeFiles()), String(port), String(code)];

  it('leaks no secret, reads none of the owner files, cannot connect, and is judged on its exit code', async () => {
    const config = (code: number) => RigConfig.parse({ name: 'r', language: 'gdscript', engine: 'godot4', tests: { framework: 'gut', command: probeCommand(code), timeoutSeconds: 60 } });
    const passed = await runRigTests(worktree, config(0), { env, sandbox: 'bwrap', tailChars: 100_000 });
    const failed = await runRigTests(worktree, config(1), { env, sandbox: 'bwrap', tailChars: 100_000 });
    expect(passed.passed).toBe(true);
    expect(passed.exitCode).toBe(0);
    expect(failed.passed).toBe(false);
    expect(failed.problems).toEqual(['the test command exited with code 1']);

    for (const run of [passed, failed]) {
      for (const value of [...Object.values(SECRETS), TOKEN_IN_FILES]) expect(run.outputTail).not.toContain(value);
      const report = JSON.parse(run.outputTail.trim()) as { env: Record<string, string>; reads: Record<string, string>; net: string };
      expect(Object.keys(report.env).filter((k) => /TOKEN|KEY|SECRET|GITHUB|GEMINI|PRIVATE/.test(k))).toEqual([]);
      expect(report.env.HOME).not.toBe(owner);
      expect(report.env.GIT_CONFIG_NOSYSTEM).toBe('1');
      expect(report.env.GIT_CONFIG_GLOBAL).toBe('/dev/null');
      for (const f of probeFiles()) expect(report.reads[f]).toMatch(/^ERR:/);
      expect(report.net).toMatch(/^ERR:(ECONNREFUSED|ENETUNREACH)/);
    }
    expect(connections).toBe(0);
  });

  it('hides the git metadata of the worktree and of gth itself, and git sees no credentials', async () => {
    const script = [
      'cat .git 2>/dev/null; echo "dotgit=$?"',
      `cat ${join(process.cwd(), '.git', 'config')} 2>/dev/null; echo "gth=$?"`,
      'git config --get-regexp "http.*extraheader" 2>&1; echo "git=$?"',
      'echo hi > written.txt',
    ].join('; ');
    const r = await runRigCommand(worktree, ['sh', '-c', script], { env, sandbox: 'bwrap', timeoutMs: 30_000 });
    expect(r.output).not.toContain(TOKEN_IN_FILES);
    expect(r.output).toMatch(/dotgit=0/); // the gitdir pointer reads as an empty file
    expect(r.output).not.toContain('gitdir:');
    expect(r.output).toMatch(/gth=1/);
    expect(r.output).not.toMatch(/^git=0/m);
    // The worktree itself is writable.
    expect(readFileSync(join(worktree, 'written.txt'), 'utf8')).toBe('hi\n');
  });

  it('in a worktree that is a whole clone, .git/config is not readable and .git cannot be written', async () => {
    const script = 'cat .git/config; echo "[core]" > .git/config; mkdir -p .git/hooks && echo "#!/bin/sh" > .git/hooks/post-checkout; echo done';
    const r = await runRigCommand(town, ['sh', '-c', script], { env, sandbox: 'bwrap', timeoutMs: 30_000 });
    expect(r.output).toContain('done');
    expect(r.output).not.toContain(TOKEN_IN_FILES);
    expect(readFileSync(join(town, '.git', 'config'), 'utf8')).toContain(TOKEN_IN_FILES);
    expect(readdirSync(join(town, '.git', 'hooks'))).not.toContain('post-checkout');
  });
});
