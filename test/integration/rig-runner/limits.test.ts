// The rig runner's limits with real processes: timeout kills the whole tree, output cap, refusal without bubblewrap.
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/git.js';
import { runRigCommand, findOnPath, SandboxUnavailableError, type SandboxMode } from '../../../src/agents/rig/runner/index.js';
import { ConfigError } from '../../../src/config/load.js';

/** Host processes whose command line contains `marker` (processes inside bwrap's pid namespace are listed too). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(marker)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const waitUntil = async (cond: () => boolean, ms = 5000): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (cond()) return true;
  return cond();
};

const hasBwrap = findOnPath('bwrap', process.env.PATH) !== null;
const modes: SandboxMode[] = hasBwrap ? ['bwrap', 'none'] : ['none'];

describe('rig runner limits (real processes)', () => {
  let root: { path: string; cleanup: () => Promise<void> };
  let rig: string;
  beforeAll(async () => {
    root = await tempDir('rig-limits-');
    rig = join(root.path, 'rig');
    mkdirSync(rig);
  });
  afterAll(() => root.cleanup());

  it.each(modes)('a timeout kills the whole process tree, grandchildren included (sandbox: %s)', async (sandbox) => {
    const marker = `31415${Math.floor(Math.random() * 90000) + 10000}`;
    // The child starts a sleeping grandchild in the background and then waits on it as well.
    const r = await runRigCommand(rig, ['sh', '-c', `sleep ${marker} & sleep ${marker}; echo never`], { sandbox, timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.output).not.toContain('never');
    expect(await waitUntil(() => processesWith(marker).length === 0)).toBe(true);
  });

  it.each(modes)('a grandchild left running after the command exits is killed too (sandbox: %s)', async (sandbox) => {
    const marker = `27182${Math.floor(Math.random() * 90000) + 10000}`;
    const r = await runRigCommand(rig, ['sh', '-c', `sleep ${marker} >/dev/null 2>&1 & echo started`], { sandbox, timeoutMs: 30_000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('started');
    expect(await waitUntil(() => processesWith(marker).length === 0)).toBe(true);
  });

  it.each(modes)('keeps only the last maxOutputBytes of the output (sandbox: %s)', async (sandbox) => {
    const script = 'process.stdout.write("x".repeat(200000)); process.stderr.write("THE-END")';
    const r = await runRigCommand(rig, [process.execPath, '-e', script], { sandbox, timeoutMs: 30_000, maxOutputBytes: 1000 });
    expect(r.exitCode).toBe(0);
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(1000);
    expect(r.output.endsWith('THE-END')).toBe(true);
    expect(r.droppedBytes).toBe(200000 + 'THE-END'.length - 1000);
  });

  describe('without bubblewrap on PATH', () => {
    let env: NodeJS.ProcessEnv;
    beforeAll(() => {
      // A PATH with sh and node but no bwrap.
      const bin = join(root.path, 'bin-without-bwrap');
      mkdirSync(bin);
      for (const tool of ['sh', 'node']) symlinkSync(tool === 'node' ? process.execPath : findOnPath('sh', process.env.PATH)!, join(bin, tool));
      env = { PATH: bin };
    });

    it('refuses to run rig code, naming bubblewrap and the sandbox: none escape hatch', async () => {
      const err = await runRigCommand(rig, ['sh', '-c', 'echo ran > ran.txt'], { env, timeoutMs: 30_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxUnavailableError);
      expect((err as Error).message).toMatch(/bubblewrap/);
      expect((err as Error).message).toMatch(/sandbox: none/);
      expect(readdirSync(rig)).not.toContain('ran.txt');
    });

    it('runs it when gastown.yml says sandbox: none, and rejects an unknown sandbox value naming the file', async () => {
      const yml = join(root.path, 'gastown.yml');
      writeFileSync(yml, 'sandbox: none\n');
      const r = await runRigCommand(rig, ['sh', '-c', 'echo ran'], { env: { ...env, GTH_CONFIG: yml }, timeoutMs: 30_000 });
      expect(r.sandbox).toBe('none');
      expect(r.output).toBe('ran\n');
      writeFileSync(yml, 'sandbox: docker\n');
      const err = await runRigCommand(rig, ['sh', '-c', 'echo ran'], { env: { ...env, GTH_CONFIG: yml }, timeoutMs: 30_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(`${yml}: sandbox: unknown sandbox "docker": expected one of bwrap, none`);
    });
  });

  it.skipIf(!hasBwrap)('with bubblewrap, gastown.yml defaults to it', async () => {
    const env = { PATH: dirname(findOnPath('bwrap', process.env.PATH)!) + ':/usr/bin:/bin' };
    const r = await runRigCommand(rig, ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], { env, timeoutMs: 30_000 });
    expect(r.sandbox).toBe('bwrap');
    // pid 1 is bwrap's own init inside a fresh pid namespace, not the host's init.
    expect(r.output).toMatch(/^\S*bwrap --unshare-all /);
    expect(readFileSync('/proc/1/cmdline', 'utf8')).not.toMatch(/^bwrap\0/);
  });

  it.skipIf(!hasBwrap)('finds a program whose PATH entry is a symlink into another folder (godot -> /opt/godot/...)', async () => {
    const opt = join(root.path, 'opt-godot');
    const bin = join(root.path, 'bin-links');
    mkdirSync(opt);
    mkdirSync(bin);
    writeFileSync(join(opt, 'Godot_v4.linux'), '#!/bin/sh\necho "godot $*"\n', { mode: 0o755 });
    symlinkSync(join(opt, 'Godot_v4.linux'), join(bin, 'godot'));
    const env = { PATH: `${bin}:${dirname(findOnPath('bwrap', process.env.PATH)!)}:/usr/bin:/bin` };
    const r = await runRigCommand(rig, ['godot', '--headless'], { env, sandbox: 'bwrap', timeoutMs: 30_000 });
    expect(r.output).toBe('godot --headless\n');
    expect(r.exitCode).toBe(0);
  });
});
