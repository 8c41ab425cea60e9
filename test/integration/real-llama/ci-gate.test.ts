// The real-llama tier without a build: outside CI it is skipped and says why; under CI=true it fails.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/cli.js';

/** Runs the tier's own test file in a child vitest with no llama-server anywhere, returning its JSON report. */
async function runTier(ci: boolean): Promise<{ exitCode: number | undefined; stderr: string; report: { numFailedTests: number; numPendingTests: number } }> {
  const dir = await mkdtemp(join(tmpdir(), 'gth-ci-gate-'));
  try {
    const out = join(dir, 'report.json');
    const env: NodeJS.ProcessEnv = { ...process.env, GTH_LLAMA_SERVER: join(dir, 'no-llama-server'), CI: ci ? 'true' : '' };
    const r = await execa(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/integration/real-llama/real-llama.test.ts', '--reporter=json', `--outputFile=${out}`], {
      cwd: repoRoot,
      env,
      reject: false,
    });
    return { exitCode: r.exitCode, stderr: String(r.stderr), report: JSON.parse(await readFile(out, 'utf8')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('real llama-server tier gate', () => {
  it('outside CI: skipped, printing why', async () => {
    const r = await runTier(false);
    expect(r.exitCode).toBe(0);
    expect(r.report.numFailedTests).toBe(0);
    expect(r.report.numPendingTests).toBeGreaterThan(0);
    expect(r.stderr).toContain('real llama-server tier SKIPPED: no llama-server binary at');
  }, 300_000);

  it('in CI: a missing binary is a failure, not a skip', async () => {
    const r = await runTier(true);
    expect(r.exitCode).not.toBe(0);
    expect(r.report.numFailedTests).toBe(1);
  }, 300_000);
});
