// `gth plan` (runPlan) reads the latest eval results from the runtime's state folder and applies them.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { runPlan } from '../../../src/fleet/plan-run.js';
import { saveResults } from '../../../src/eval/results.js';
import { rec, results } from './records.js';

const SMALL = 'Qwen2.5-Coder-3B-Instruct';
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runPlan with eval feedback', () => {
  it('flags a model the latest eval found hallucinating; without results nothing is flagged', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gth-eval-plan-'));
    const env = { GTH_STATE_DIR: join(dir, 'state') };
    const logger = pino({ level: 'silent' });
    const plain = await runPlan({ cwd: dir, env, logger });
    expect(plain.config.catalog.find((m) => m.name === SMALL)!.hallucinatesTooMuch).toBe(false);
    saveResults(join(dir, 'state'), results([rec({ task: 'a', model: SMALL, calls: 2, guardHits: 2 })]));
    const fed = await runPlan({ cwd: dir, env, logger });
    expect(fed.config.catalog.find((m) => m.name === SMALL)!.hallucinatesTooMuch).toBe(true);
  });
});
