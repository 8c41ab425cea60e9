// `gth run-epic` as a real process: bad input is refused with exit 2 or a named setting, before any work.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gth } from '../../support/cli.js';
import { setupRig, EPIC } from '../../support/engine-fixture.js';

let root: string;
beforeAll(async () => void (root = await mkdtemp(join(tmpdir(), 'gth-runepic-cli-'))));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('gth run-epic (real process)', () => {
  it('refuses bad usage and names what is wrong', async () => {
    const { rig, town } = await setupRig(root);
    const epic = join(root, 'epic.md');
    await writeFile(epic, EPIC);
    const env = { GTH_STATE_DIR: join(root, 'state'), GEMINI_API_KEY: '' };
    const noFile = await gth(['run-epic', join(root, 'missing.md'), '--rig', rig], { cwd: town, env });
    expect(noFile.exitCode).toBe(2);
    expect(String(noFile.stderr)).toContain('cannot read the epic file');
    const badAttempts = await gth(['run-epic', epic, '--rig', rig, '--attempts', '0'], { cwd: town, env });
    expect(badAttempts.exitCode).toBe(2);
    expect(String(badAttempts.stderr)).toContain('--attempts must be an integer from 1 to 20');
    const notRepo = await gth(['run-epic', epic, '--rig', root], { cwd: town, env });
    expect(notRepo.exitCode).toBe(2);
    expect(String(notRepo.stderr)).toMatch(/--rig .* is not a git repository/);
    const noKey = await gth(['run-epic', epic, '--rig', rig], { cwd: town, env });
    expect(noKey.exitCode).toBe(1);
    expect(String(noKey.stderr)).toContain('GEMINI_API_KEY is not set');
    const help = await gth(['run-epic', '--help']);
    expect(String(help.stdout)).toContain('--dry-run');
  }, 120_000);
});
