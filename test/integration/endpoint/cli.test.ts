// `gth runtime up` serves the endpoint (flags, key rule) and `gth runtime env` points other tools at it, as real processes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { gth } from '../../support/cli.js';
import { readServerStates } from '../../../src/runtime/state-store.js';
import { makeModel, plan, sandbox, STANDIN } from '../runtime/harness.js';

function setup(extraEnv: Record<string, string> = {}): { env: NodeJS.ProcessEnv; dir: string; planFile: string; stateDir: string } {
  const box = sandbox(extraEnv);
  makeModel(box.modelsDir, 'a.gguf');
  makeModel(box.modelsDir, 'b.gguf');
  // A catalog model the plan does not use, with its GGUF present: loadable, so the endpoint offers it too.
  makeModel(box.modelsDir, 'Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf');
  const planFile = join(box.dir, 'plan.json');
  writeFileSync(planFile, JSON.stringify({
    servers: [plan('a', { model: 'Qwen2.5-Coder-3B-Instruct', vramMiB: 2000 }), plan('b', { model: 'SmolLM2-1.7B-Instruct', roles: ['librarian'], vramMiB: 1500, importance: 2 })],
    waves: [{ index: 0, servers: ['a'], assignments: [], estSeconds: 1 }, { index: 1, servers: ['b'], assignments: [], estSeconds: 1 }],
    headroom: { vramMiB: 0, ramMiB: 0, cores: 0 }, estWallSeconds: 2, warnings: [],
  }));
  const config = join(box.dir, 'gastown.yml');
  writeFileSync(config, `runtime:\n  binary: ${STANDIN}\n  healthIntervalMs: 500\n  stopGraceMs: 3000\nhardware:\n  modelsDir: ${box.modelsDir}\n`);
  return { dir: box.dir, planFile, stateDir: box.stateDir, env: { ...box.env, GTH_CONFIG: config, GTH_STATE_DIR: box.stateDir, GTH_LEDGER: join(box.dir, 'ledger.jsonl') } };
}

describe('gth runtime up: the fleet endpoint', { timeout: 180_000 }, () => {
  it('serves wave 0 and loads another planned model on demand; env prints working client settings', async () => {
    const { env, dir, planFile, stateDir } = setup({ GTH_ENDPOINT_KEY: 'sekret' });
    const up = await gth(['runtime', 'up', '--plan', planFile, '--detach', '--port', '0'], { env, cwd: dir });
    expect(up.exitCode, String(up.stderr)).toBe(0);
    try {
      const e = await gth(['runtime', 'env', '--for', 'openai', '--json'], { env, cwd: dir });
      const target = JSON.parse(String(e.stdout)) as { baseUrl: string; keyVariable: string; models: string[]; running: boolean; limits: Record<string, unknown> };
      // Each name's window is its server's context per slot (2048 in these plans), a quarter for the answer.
      expect(target.limits).toMatchObject({ polecat: { context: 2048, output: 512 }, 'SmolLM2-1.7B-Instruct': { context: 2048, output: 512 } });
      // up --detach and status say where the endpoint listens (its real port) and which key it asks for.
      expect(String(up.stdout)).toContain(`fleet endpoint: ${target.baseUrl} (API key from $GTH_ENDPOINT_KEY); models: Qwen2.5-Coder-3B-Instruct, SmolLM2-1.7B-Instruct`);
      const status = JSON.parse(String((await gth(['runtime', 'status', '--json'], { env, cwd: dir })).stdout)) as { endpoint: { baseUrl: string; keyVariable: string } };
      expect(status.endpoint).toMatchObject({ baseUrl: target.baseUrl, keyVariable: 'GTH_ENDPOINT_KEY' });
      expect(target).toMatchObject({ keyVariable: 'GTH_ENDPOINT_KEY', running: true, models: ['Qwen2.5-Coder-3B-Instruct', 'SmolLM2-1.7B-Instruct', 'Qwen2.5-Coder-7B-Instruct', 'polecat', 'librarian'] });
      expect(target.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

      const client = new OpenAI({ baseURL: target.baseUrl, apiKey: 'sekret' });
      const listed = (await client.models.list()).data as unknown as { id: string; object: string; gth: { kind: string; loaded?: boolean } }[];
      expect(listed.map((m) => [m.id, m.object, m.gth.kind, m.gth.loaded])).toEqual([
        ['Qwen2.5-Coder-3B-Instruct', 'model', 'model', true], ['SmolLM2-1.7B-Instruct', 'model', 'model', false],
        ['Qwen2.5-Coder-7B-Instruct', 'model', 'model', false], ['polecat', 'model', 'alias', undefined], ['librarian', 'model', 'alias', undefined],
        ['polecat:<tokens>', 'model', 'alias', undefined], ['librarian:<tokens>', 'model', 'alias', undefined],
      ]);
      const r = await client.chat.completions.create({ model: 'librarian', messages: [{ role: 'user', content: 'doc this' }] }, { headers: { 'X-Gth-Caller': 'aider' } });
      expect(r.choices[0]?.message.content).toBe('OK');
      expect(readServerStates(stateDir).map((s) => s.id).sort()).toEqual(['a', 'b']); // b was not in wave 0: loaded for the request

      const ledgerFile = env.GTH_LEDGER!;
      const deadline = Date.now() + 30_000;
      // The line is written once the answer has gone out.
      while (!(existsSync(ledgerFile) && readFileSync(ledgerFile, 'utf8').includes('\n')) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(JSON.parse(readFileSync(ledgerFile, 'utf8').trim().split('\n')[0]!)).toMatchObject({ caller: 'default/aider', role: 'librarian', model: 'SmolLM2-1.7B-Instruct', local: true });

      const opencode = await gth(['runtime', 'env', '--for', 'opencode'], { env, cwd: dir });
      const config = JSON.parse(String(opencode.stdout)) as { provider: { gastown: { options: { baseURL: string; apiKey: string } } } };
      expect(config.provider.gastown.options).toEqual({ baseURL: target.baseUrl, apiKey: '{env:GTH_ENDPOINT_KEY}' });
      const aider = await gth(['runtime', 'env', '--for', 'aider'], { env, cwd: dir });
      expect(String(aider.stdout)).toContain(`export OPENAI_API_BASE=${target.baseUrl}`);
      expect(String(aider.stdout)).toContain('aider --model openai/polecat --weak-model openai/librarian');
      const bad = await gth(['runtime', 'env', '--for', 'vim'], { env, cwd: dir });
      expect(bad.exitCode).toBe(2);
      expect(String(bad.stderr)).toContain("--for: expected one of opencode, aider, gastown, openai, got 'vim'");
    } finally {
      await gth(['runtime', 'down'], { env, cwd: dir });
    }
    expect(existsSync(join(stateDir, 'runtime', 'endpoint.json'))).toBe(false);
    expect(JSON.parse(String((await gth(['runtime', 'status', '--json'], { env, cwd: dir })).stdout))).toMatchObject({ endpoint: null });
  });

  it('refuses to bind beyond loopback without a key, before starting any server', async () => {
    const { env, dir, planFile, stateDir } = setup();
    const up = await gth(['runtime', 'up', '--plan', planFile, '--host', '0.0.0.0', '--port', '0'], { env, cwd: dir });
    expect(up.exitCode).toBe(2);
    expect(String(up.stderr)).toContain('runtime.endpoint.host is 0.0.0.0 (beyond loopback) but no API key is set: set GTH_ENDPOINT_KEY or runtime.endpoint.keys');
    expect(readServerStates(stateDir)).toEqual([]);
  });

  it('refuses a taken endpoint port, or a host that is not this machine\'s, before starting any server, naming the setting', async () => {
    const { env, dir, planFile, stateDir } = setup();
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const up = await gth(['runtime', 'up', '--plan', planFile, '--port', port], { env, cwd: dir });
      expect(up.exitCode).toBe(1);
      const err = String(up.stderr);
      expect(err).toContain(`runtime.endpoint.port: port ${port} on 127.0.0.1 is already in use (EADDRINUSE); stop what listens there, or pick another with --port N`);
      expect(readServerStates(stateDir)).toEqual([]);
      // 192.0.2.1 is TEST-NET-1: never an address of this machine.
      const far = await gth(['runtime', 'up', '--plan', planFile, '--host', '192.0.2.1', '--port', '0'], { env: { ...env, GTH_ENDPOINT_KEY: 'k' }, cwd: dir });
      expect(far.exitCode).toBe(1);
      expect(String(far.stderr)).toContain('runtime.endpoint.host: 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL)');
      expect(String(far.stderr)).not.toContain('unexpected error');
      expect(readServerStates(stateDir)).toEqual([]);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
