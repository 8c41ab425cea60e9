// runner-setup/install-bubblewrap.sh --check as a real process: says whether bwrap can start a sandbox here.
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cli.js';
import { findOnPath } from '../../../src/agents/rig/runner/index.js';

const script = join(repoRoot, 'runner-setup', 'install-bubblewrap.sh');

describe('runner-setup/install-bubblewrap.sh --check', () => {
  it.skipIf(findOnPath('bwrap', process.env.PATH) === null)('reports a working bwrap with exit 0', async () => {
    const r = await execa('bash', [script, '--check'], { reject: false });
    expect(r.stdout).toMatch(/^install-bubblewrap: bubblewrap [\d.]+ works here$/);
    expect(r.exitCode).toBe(0);
  });

  it('says bwrap is not installed (exit 1) and installs nothing when it is not on PATH', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'no-bwrap-'));
    for (const tool of ['bash', 'sed', 'id']) symlinkSync(findOnPath(tool, process.env.PATH)!, join(bin, tool));
    const r = await execa(join(bin, 'bash'), [script, '--check'], { reject: false, env: { PATH: bin }, extendEnv: false });
    expect(r.stderr).toBe('install-bubblewrap: bwrap is not installed');
    expect(r.exitCode).toBe(1);
  });

  it('rejects an unknown argument with exit 2', async () => {
    const r = await execa('bash', [script, '--yes'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown argument --yes');
  });
});
