// gth doctor's sandbox line: the mode from gastown.yml and whether real bubblewrap starts a sandbox.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/doctor/run.js';
import { checkSandbox } from '../../../src/doctor/checks/sandbox.js';
import { findOnPath } from '../../../src/agents/rig/runner/index.js';

const bwrap = findOnPath('bwrap', process.env.PATH);

function studio(yml?: string): { cwd: string; withBwrap: string; withoutBwrap: string } {
  const root = mkdtempSync(join(tmpdir(), 'gth-doctor-sandbox-'));
  const cwd = join(root, 'studio');
  mkdirSync(cwd);
  if (yml !== undefined) writeFileSync(join(cwd, 'gastown.yml'), yml);
  const withBwrap = join(root, 'bin');
  const withoutBwrap = join(root, 'bin-empty');
  mkdirSync(withBwrap);
  mkdirSync(withoutBwrap);
  if (bwrap) symlinkSync(bwrap, join(withBwrap, 'bwrap'));
  return { cwd, withBwrap, withoutBwrap };
}

const doctor = (cwd: string, env: NodeJS.ProcessEnv) => runDoctor({ env, cwd, checks: [checkSandbox] });

describe('gth doctor: sandbox', () => {
  it.skipIf(!bwrap)('says bwrap is active when a real sandbox starts', async () => {
    const s = studio();
    const [line] = await doctor(s.cwd, { PATH: s.withBwrap, GEMINI_API_KEY: 'AIza-test' });
    expect(line).toMatchObject({ check: 'sandbox', ok: true });
    expect(line!.detail).toMatch(/^bwrap: rig code runs in bubblewrap/);
  });

  it('names bubblewrap, the install script and the escape hatch when bwrap is missing', async () => {
    const s = studio('sandbox: bwrap\n');
    const [line] = await doctor(s.cwd, { PATH: s.withoutBwrap });
    expect(line!.ok).toBe(false);
    expect(line!.detail).toContain('bubblewrap (`bwrap`) is not on PATH');
    expect(line!.fix).toContain('runner-setup/install-bubblewrap.sh');
    expect(line!.fix).toContain('sandbox: none');
  });

  it('flags sandbox: none next to keys, accepts it where there are none', async () => {
    const s = studio('sandbox: none\n');
    const [withKeys] = await doctor(s.cwd, { PATH: s.withoutBwrap, PRIVATE_KEY: 'x', GEMINI_API_KEY: 'y' });
    expect(withKeys!.ok).toBe(false);
    expect(withKeys!.detail).toBe('sandbox: none, so rig code runs unsandboxed next to GEMINI_API_KEY, PRIVATE_KEY');
    const [clean] = await doctor(s.cwd, { PATH: s.withoutBwrap });
    expect(clean).toMatchObject({ ok: true, detail: 'sandbox: none (rig code runs unsandboxed; no keys in this environment)' });
  });

  it('reports a bad sandbox value naming gastown.yml and the field', async () => {
    const s = studio('sandbox: docker\n');
    const [line] = await doctor(s.cwd, { PATH: s.withBwrap });
    expect(line!.ok).toBe(false);
    expect(line!.detail).toContain(`${join(s.cwd, 'gastown.yml')}: sandbox: unknown sandbox "docker"`);
  });
});
