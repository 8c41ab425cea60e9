// `gth run-epic` as a real process: bad input is refused with exit 2 or a named setting, before any work.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gth } from '../../support/cli.js';
import { existsSync } from 'node:fs';
import { countTokens } from 'gpt-tokenizer';
import { setupRig, EPIC } from '../../support/engine-fixture.js';
import type { DryRunReport } from '../../../src/agents/engine/dry-run.js';
import { crewMessages } from '../../../src/agents/engine/crew.js';
import { crewPlanningQuestion, epicFromText } from '../../../src/agents/engine/mayor.js';
import { loadRigConfig } from '../../../src/agents/rig/load.js';
import { briefText } from '../../../src/agents/briefs/load.js';

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

describe('gth run-epic --dry-run (real process, no key, no server)', () => {
  it('shows the fleet, the prompts with tokens and models, the cloud estimate, then where it stops', async () => {
    const { rig, town } = await setupRig(root);
    const epic = join(root, 'epic-dry.md');
    await writeFile(epic, EPIC);
    const env = { GTH_STATE_DIR: join(root, 'state-dry'), GEMINI_API_KEY: '' };
    const res = await gth(['run-epic', epic, '--rig', rig, '--dry-run', '--json'], { cwd: town, env });
    expect(res.stderr).toBe('');
    expect(res.exitCode).toBe(0);
    const report = JSON.parse(String(res.stdout)) as DryRunReport;
    // The Crew's prompt is counted exactly as it would be sent.
    const question = crewPlanningQuestion(epicFromText(EPIC), 'the epic file');
    const crewTokens = crewMessages(loadRigConfig(rig), question, briefText).reduce((n, m) => n + countTokens(m.content) + 4, 0);
    expect(report.prompts[0]).toEqual({ role: 'crew', what: 'what in the rig relates to the epic', model: 'gemini-3-flash-preview', where: 'cloud', promptTokens: crewTokens, estUsd: expect.any(Number) });
    expect(report.prompts[1]).toMatchObject({ role: 'mayor', model: 'gemini-3-pro-preview', where: 'cloud' });
    expect(report.prompts[1]!.promptTokens).toBeGreaterThan(report.prompts[0]!.promptTokens / 10);
    expect(report.prompts.slice(2).every((p) => p.where === 'local' && p.promptTokens > 0)).toBe(true);
    expect(report.cloudUsd).toBeCloseTo(report.prompts[0]!.estUsd! + report.prompts[1]!.estUsd!, 10);
    expect(report.cloudUsd).toBeGreaterThan(0);
    expect(report.fleet.servers.length).toBeGreaterThan(0);
    expect(report.fleet.servers[0]!.commandLine).toContain('llama-server');
    expect(report.stops.map((s) => s.missing)).toEqual([
      'GEMINI_API_KEY is not set (the Crew and the Mayor run on Gemini)',
      expect.stringMatching(/^no llama-server running for .+ \(start them with gth runtime up\)$/),
    ]);
    // Nothing was written: no plan, no beads.
    expect(existsSync(join(town, 'beads'))).toBe(false);
    const text = await gth(['run-epic', epic, '--rig', rig, '--dry-run'], { cwd: town, env });
    expect(text.exitCode).toBe(0);
    expect(String(text.stdout)).toMatch(/crew +what in the rig relates to the epic +\d+ tokens -> cloud:gemini-3-flash-preview +~\$0\.\d{4}/);
    expect(String(text.stdout)).toContain('a real run would stop now:\n  at the Crew, before the Mayor plans: GEMINI_API_KEY is not set');
  }, 120_000);
});
