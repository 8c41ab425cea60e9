// `gth plan --beads` over a town it planned before: same output, and neither the tokenizer nor the GGUF parser is loaded.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BeadStore } from '../../../src/beads/store.js';
import { GTH_MAIN, TSX_LOADER, repoRoot } from '../../support/cli.js';
import { TOKEN_CACHE_NAME } from '../../../src/fleet/token-cache.js';
import { INDEX_NAME } from '../../../src/beads/scan-index.js';
import { RACY_MS } from '../../../src/beads/scan.js';
import { VIEWS_DIR } from '../../../src/beads/bead-views.js';
import { setTimeout as sleep } from 'node:timers/promises';

const tmp = mkdtempSync(join(tmpdir(), 'gth-plan-lazy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const town = join(tmp, 'town');
const TRACER = join(repoRoot, 'test', 'support', 'import-trace.mjs');

/** `gth plan` as a child process from the town, with the modules it resolved. */
async function plan(name: string, args: string[] = []) {
  const trace = join(tmp, `${name}.trace`);
  const r = await execa(process.execPath, ['--import', TSX_LOADER, '--import', TRACER, GTH_MAIN, 'plan', '--beads', 'beads', ...args], {
    cwd: town,
    reject: false,
    env: { GTH_LOG_LEVEL: 'silent', GTH_CONFIG: '', GTH_STATE_DIR: join(tmp, 'state'), GTH_IMPORT_TRACE: trace },
  });
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return { stdout: String(r.stdout), urls: readFileSync(trace, 'utf8').split('\n').filter(Boolean) };
}
/** Code files of `pkg` the process loaded (its package.json, read for the tokenizer's version, is not code). */
const loaded = (urls: string[], pkg: string): string[] => urls.filter((u) => u.includes(`/node_modules/${pkg}/`) && /\.[cm]?js$/.test(u));

beforeAll(async () => {
  mkdirSync(join(town, 'beads'), { recursive: true });
  execFileSync('git', ['init', '-q', town]);
  const store = new BeadStore({ dir: join(town, 'beads'), prefix: 'tw', env: {} });
  await store.create({ id: 'tw-1', title: 'Write BeatClock', description: 'Emit a beat signal on every quarter note.', files: ['scripts/beat_clock.gd'] });
  await store.create({ id: 'tw-2', title: 'Review BeatClock', role: 'refinery', tokenEstimate: 30000, dependencies: [{ id: 'tw-1', kind: 'blocks' }] });
});

describe('gth plan start-up', () => {
  it('a re-plan of unchanged beads prints the same plan without loading gpt-tokenizer, @huggingface/gguf or pino', async () => {
    const cold = await plan('cold', ['--json']);
    // The first run counts, so it does load the tokenizer (the trace sees it): the assertion below is not vacuous.
    expect(loaded(cold.urls, 'gpt-tokenizer').length).toBeGreaterThan(0);
    expect(readFileSync(join(town, '.git', TOKEN_CACHE_NAME), 'utf8')).toContain('gpt-tokenizer@');
    const warm = await plan('warm', ['--json']);
    expect(warm.stdout).toBe(cold.stdout);
    expect(loaded(warm.urls, 'gpt-tokenizer')).toEqual([]);
    expect(loaded(warm.urls, '@huggingface/gguf')).toEqual([]);
    // Logging below warn is off by default, so pino is not loaded either.
    expect(loaded(warm.urls, 'pino')).toEqual([]);
    const prompts = (JSON.parse(warm.stdout) as { waves: { assignments: { beadId: string; promptTokens: number }[] }[] }).waves.flatMap((w) => w.assignments);
    expect(prompts.map((a) => a.beadId).sort()).toEqual(['tw-1', 'tw-2']);
    // The Mayor's estimate (kept in the index's summaries too) raises tw-2's prompt.
    expect(prompts.find((a) => a.beadId === 'tw-2')!.promptTokens).toBe(30000);

    // Once the files are older than the racy window the scan index keeps them, and a re-plan plans from the index's
    // summaries (no bead parsed): the plan must still be the one planned from the files.
    await sleep(RACY_MS + 100);
    await plan('indexing', ['--json']);
    expect(readFileSync(join(town, '.git', INDEX_NAME), 'utf8')).toContain('"textKey"');
    // Without the plan kept for these beads (plan-answer.ts), which would be printed instead.
    rmSync(join(town, '.git', VIEWS_DIR), { recursive: true, force: true });
    const indexed = await plan('indexed', ['--json']);
    expect(indexed.stdout).toBe(cold.stdout);
  });
});
