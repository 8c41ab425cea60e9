import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../../src/fleet/plan-run.js';
import { recordMeasuredSpeed } from '../../../src/runtime/speeds.js';
import { writeHealth } from '../../../src/runtime/state-store.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-planrun-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runPlan with the runtime state folder', () => {
  it('uses speeds the runtime measured and sends crash-marked models to their fallback', async () => {
    const stateDir = join(dir, 'state');
    recordMeasuredSpeed(stateDir, 'DeepSeek-R1-Distill-Qwen-32B', 'cpu', { gen: 2.5, prompt: 55, genTokens: 4000 });
    writeHealth(stateDir, { models: { 'Qwen2.5-Coder-3B-Instruct': { unhealthy: true, since: '2026-01-29T10:00:00Z', reason: 'crashed 3 times', crashes: [] } } });
    const env = { GTH_STATE_DIR: stateDir };
    const { plan } = await runPlan({ env, cwd: dir });
    const refinery = plan.servers.find((s) => s.roles.includes('refinery'))!;
    expect(refinery.tokensPerSecondSource).toBe('measured');
    expect(refinery.tokensPerSecond).toBe(2.5);
    // The sample convoy's small polecat beads now run on the 3B's fallback.
    const small = plan.waves.flatMap((w) => w.assignments).find((a) => a.beadId === 'ab-p001')!;
    expect(small.model).toBe('DeepSeek-Coder-V2-Lite-Instruct');
    expect(small.reason).toMatch(/Qwen2\.5-Coder-3B-Instruct is marked unhealthy by the runtime, using DeepSeek-Coder-V2-Lite-Instruct/);
    expect(plan.servers.some((s) => s.model === 'Qwen2.5-Coder-3B-Instruct')).toBe(false);
  });

  it('scales a CPU figure the runtime measured at fewer threads to the threads the plan gives, and says nothing of unknown threads', async () => {
    const stateDir = join(dir, 'state-threads');
    recordMeasuredSpeed(stateDir, 'DeepSeek-R1-Distill-Qwen-32B', 'cpu', { gen: 1, prompt: 20, genTokens: 4000, threads: 2 });
    const { plan } = await runPlan({ env: { GTH_STATE_DIR: stateDir }, cwd: dir });
    const refinery = plan.servers.find((s) => s.roles.includes('refinery'))!;
    expect(refinery.tokensPerSecondSource).toBe('measured');
    expect(refinery.threads).toBeGreaterThan(2);
    expect(refinery.tokensPerSecond).toBeCloseTo(Math.min(refinery.threads / 2, 3.9), 1);
    expect(plan.warnings.join('\n')).not.toMatch(/unknown thread count/);
  });

  it('lets --measured override the state folder and accepts the runtime file format', async () => {
    const file = join(dir, 'speeds.json');
    writeFileSync(file, JSON.stringify({ models: { 'SmolLM2-1.7B-Instruct': { gen: 22, prompt: 120, tokens: 10, device: 'cpu', updatedAt: 'x' } } }));
    const { plan } = await runPlan({ env: { GTH_STATE_DIR: join(dir, 'empty') }, cwd: dir, measuredFile: file });
    const lib = plan.servers.find((s) => s.roles.includes('librarian'))!;
    expect(lib.tokensPerSecond).toBe(22);
    expect(lib.tokensPerSecondSource).toBe('measured');
  });
});
