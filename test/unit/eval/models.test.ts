// Model resolution: catalog names need a ready server, other names are Gemini and need the key; sha256 of the file.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRawConfig } from '../../../src/config/load.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { loadProvidersConfig } from '../../../src/providers/config.js';
import { serverFile, writeJsonAtomic } from '../../../src/runtime/state-store.js';
import { resolveModels, runningModels, modelFileSha256 } from '../../../src/eval/models.js';
import { UsageError } from '../../../src/util/errors.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gth-eval-models-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function server(id: string, model: string, status: string, pid: number | null, modelPath: string): void {
  const now = new Date().toISOString();
  writeJsonAtomic(serverFile(join(dir, 'state'), id), {
    id, model, modelPath, device: 'gpu', pid, port: 1, url: 'http://127.0.0.1:1', apiKey: 'k', status, startedAt: now, readyAt: now,
    restarts: 0, logFile: 'l', importance: 1, vramMiB: 1, ramMiB: 0, lastError: null,
  });
}

const opts = (env: NodeJS.ProcessEnv = {}) => {
  const raw = loadRawConfig(undefined, {}, dir);
  return { fleet: loadFleetConfig(raw, dir), providers: loadProvidersConfig(raw), stateDir: join(dir, 'state'), modelsDir: join(dir, 'models'), deps: {}, env };
};

describe('resolveModels', () => {
  it('uses ready servers of live processes only, and hashes the served file', async () => {
    const file = join(dir, 'q.gguf');
    writeFileSync(file, 'weights');
    server('gpu-0', 'Qwen2.5-Coder-3B-Instruct', 'ready', process.pid, file);
    server('gpu-1', 'Qwen2.5-Coder-7B-Instruct', 'starting', process.pid, file);
    expect(runningModels(join(dir, 'state'))).toEqual(['Qwen2.5-Coder-3B-Instruct']);
    const [m] = await resolveModels(['Qwen2.5-Coder-3B-Instruct'], opts());
    expect(m!.choice.label).toBe('local:Qwen2.5-Coder-3B-Instruct');
    expect(m!.choice.provider.local).toBe(true);
    expect(m!.info.sha256).toBe(createHash('sha256').update('weights').digest('hex'));
    expect(await modelFileSha256(join(dir, 'absent.gguf'), join(dir, 'state'))).toBeNull();
  });

  it('reports every unusable name at once: a catalog model without a server, a cloud model without the key', async () => {
    const err = await resolveModels(['Qwen2.5-Coder-7B-Instruct', 'gemini-3-flash-preview'], opts()).then(() => new Error('resolved'), (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain('--models: Qwen2.5-Coder-7B-Instruct is in the catalog but no ready llama-server runs it');
    expect(err.message).toContain('--models: gemini-3-flash-preview is not in the catalog, so it is taken as a Gemini model, but GEMINI_API_KEY is not set');
    const [g] = await resolveModels(['gemini-3-flash-preview'], opts({ GEMINI_API_KEY: 'x' }));
    expect([g!.choice.label, g!.choice.provider.local, g!.info.sha256]).toEqual(['cloud:gemini-3-flash-preview', false, null]);
  });
});
