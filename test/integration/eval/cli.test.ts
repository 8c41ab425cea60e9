// `gth eval` as a real process: a tiny task set, a stand-in llama-server recorded as a running runtime server,
// the GUT stand-in as `godot`, no nvidia-smi; checks the JSON, the saved results, the sha256 and the HTML page.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeLlama, type FakeLlama } from '../../doubles/fake-llama.js';
import { makeGodotShim } from '../../unit/agents/helpers/godot-shim.js';
import { gth } from '../../support/cli.js';
import { DEFAULT_TASKS_DIR } from '../../../src/eval/tasks.js';
import { serverFile, writeJsonAtomic } from '../../../src/runtime/state-store.js';
import { EvalResults } from '../../../src/eval/results-schema.js';
import { GOOD } from './scripts.js';

let root: string;
let fake: FakeLlama;
let env: NodeJS.ProcessEnv;
const MODEL_BYTES = 'GGUF stand-in model bytes\n';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gth-eval-cli-'));
  const tasks = join(root, 'tasks');
  for (const t of ['_rigs', 'polecat-small-combo-bonus', 'librarian-combo-counter']) cpSync(join(DEFAULT_TASKS_DIR, t), join(tasks, t), { recursive: true });
  fake = await startFakeLlama({ script: GOOD });
  const state = join(root, 'state');
  const modelPath = join(root, 'qwen-good.gguf');
  writeFileSync(modelPath, MODEL_BYTES);
  const now = new Date().toISOString();
  writeJsonAtomic(serverFile(state, 'gpu-0'), {
    id: 'gpu-0', model: 'qwen-good', modelPath, device: 'gpu', pid: process.pid, port: fake.port, url: fake.url, apiKey: 'k',
    status: 'ready', startedAt: now, readyAt: now, restarts: 0, logFile: join(root, 'log'), importance: 1, vramMiB: 4000, ramMiB: 0, lastError: null,
  });
  const shim = makeGodotShim();
  env = { GTH_STATE_DIR: state, GTH_LEDGER: join(root, 'ledger.jsonl'), PATH: `${shim}:/usr/bin:/bin`, GTH_LOG_LEVEL: 'silent' };
}, 30_000);

afterAll(async () => {
  await fake?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('gth eval (CLI)', () => {
  it('runs the task set on the running server, prints JSON, saves results with the model sha256, writes HTML', async () => {
    const html = join(root, 'eval.html');
    const r = await gth(['eval', '--tasks', join(root, 'tasks'), '--repeat', '1', '--attempts', '2', '--json', '--html', html], { cwd: root, env });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout)) as EvalResults & { file: string };
    expect(out.runs.map((x) => [x.task, x.model, x.passed])).toEqual([
      ['librarian-combo-counter', 'qwen-good', true],
      ['polecat-small-combo-bonus', 'qwen-good', true],
    ]);
    expect(out.models).toEqual([{ name: 'qwen-good', label: 'local:qwen-good', file: 'qwen-good.gguf', sha256: createHash('sha256').update(MODEL_BYTES).digest('hex'), note: '' }]);
    // No nvidia-smi on PATH: the peak is null and the results say why.
    expect(out.runs.every((x) => x.vramPeakMiB === null)).toBe(true);
    expect(out.notes.join('\n')).toMatch(/VRAM peak: no nvidia-smi reading/);
    expect(out.file).toBe(join(root, 'state', 'eval', `${out.date.slice(0, 10)}-${out.id}.json`));
    const saved = EvalResults.parse(JSON.parse(readFileSync(out.file, 'utf8')));
    expect(saved.scores).toEqual(out.scores);
    // Cost came from the ledger the CLI metered into.
    const ledger = readFileSync(join(root, 'ledger.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { convoy: string });
    expect(ledger.filter((e) => e.convoy === out.runs[1]!.convoyId)).toHaveLength(out.runs[1]!.calls);
    expect(out.runs[1]!.costUsd).toBeGreaterThan(0);
    // The progress bar went to stderr, never into the JSON.
    expect(String(r.stderr)).toMatch(/eval \[/);
    const page = readFileSync(html, 'utf8');
    for (const id of ['pass-by-band', 'tokens-per-second', 'cost-per-pass']) expect(page).toContain(`id="${id}"`);
    expect(page).not.toMatch(/<script[^>]+src=/);
  }, 180_000);

  it('names the task folder and the missing file, and rejects bad flags with exit 2', async () => {
    rmSync(join(root, 'tasks', 'polecat-small-combo-bonus', 'solution.edits'), { force: true });
    const r = await gth(['eval', '--tasks', join(root, 'tasks'), '--json'], { cwd: root, env });
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toContain(`eval task ${join(root, 'tasks', 'polecat-small-combo-bonus')}: missing file solution.edits (named by task.yml solution)`);
    const bad = await gth(['eval', '--roles', 'mayor'], { cwd: root, env });
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/--roles: unknown role mayor/);
    expect(existsSync(join(root, 'state'))).toBe(true);
  }, 60_000);
});
