// Real llama-server tier: a tiny random GGUF served through the supervisor with the seed's flags.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelEntry } from '../../../src/fleet/catalog-schema.js';
import { llamaServerArgs } from '../../../src/fleet/command-line.js';
import { estimateServer, type ServerShape } from '../../../src/fleet/estimator.js';
import { ServerPlan } from '../../../src/fleet/plan-schema.js';
import { runtimeSettings } from '../../../src/runtime/config.js';
import { readMeasuredSpeeds } from '../../../src/runtime/speeds.js';
import { readServerEndpoints, readServerStates, type ServerState } from '../../../src/runtime/state-store.js';
import { OpenAICompatibleProvider, RetryPolicy } from '../../../src/providers/index.js';
import { z } from 'zod';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import { fetchMetrics, fetchSlots } from '../../../src/runtime/probe.js';
import { DEFAULT_TINY, makeTinyGguf, type TinyGguf } from '../../support/tiny-gguf.js';
import { ASCII_ONLY, announceSkip, locateRealLlama } from './locate.js';

const real = locateRealLlama();
announceSkip('real llama-server tier', real.skipReason);
const title = real.skipReason ? `real llama-server (SKIPPED: ${real.skipReason})` : `real llama-server (${real.binary})`;

const MODEL = 'tiny-random-llama';
const shape: ServerShape = { device: 'cpu', slots: 2, ctxPerSlot: 1024, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true, nCpuMoe: 0 };

describe.skipIf(real.skipReason !== null)(title, { timeout: 120_000 }, () => {
  let dir: string;
  let tiny: TinyGguf;
  let sup: Supervisor;
  let state: ServerState;
  let client: OpenAI;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gth-real-llama-'));
    const modelsDir = join(dir, 'models');
    mkdirSync(modelsDir);
    tiny = makeTinyGguf(join(modelsDir, 'tiny.gguf'), real.vocab!);
    expect(tiny.fileSizeBytes).toBeLessThan(50 * 1024 * 1024);
    const args = llamaServerArgs({ modelPath: 'tiny.gguf', alias: MODEL, shape, gpuLayers: 0, threads: 2, cpuCores: [0, 1] });
    const plan = ServerPlan.parse({
      id: 'cpu-tiny', model: MODEL, modelFile: 'tiny.gguf', device: 'cpu', roles: ['librarian'], slots: 2, ctxPerSlot: 1024,
      cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true, gpuLayers: 0, threads: 2, cpuCores: [0, 1],
      vramMiB: 0, ramMiB: 300, args, commandLine: 'llama-server ...', importance: 0, tokensPerSecond: 100, tokensPerSecondSource: 'catalog',
    });
    const settings = runtimeSettings({
      stateDir: join(dir, 'state'), modelsDir, binary: real.binary!, readyTimeoutMs: 60_000, healthIntervalMs: 500, stopGraceMs: 5000,
      restart: { backoffMs: 200, maxBackoffMs: 1000, maxCrashes: 3, windowMs: 60_000 },
    });
    // PATH without any stand-in nvidia-smi: this tier talks to real programs only.
    const env = { PATH: (process.env.PATH ?? '').split(':').filter((p) => !p.includes('test/doubles')).join(':'), HOME: process.env.HOME, GTH_LOG_LEVEL: 'silent' };
    sup = new Supervisor({ settings, env });
    await sup.init();
    await sup.up([plan]);
    state = readServerStates(settings.stateDir)[0]!;
    client = new OpenAI({ baseURL: `${state.url}/v1`, apiKey: state.apiKey });
  });

  afterAll(async () => {
    await sup?.shutdown();
  });

  it('is ready with the seed flags and rejects a wrong api key', async () => {
    expect(state.status).toBe('ready');
    const log = readFileSync(state.logFile, 'utf8');
    expect(log).toMatch(/taskset -c 0-1 .*-ctk q8_0 -ctv q4_0 --flash-attn on --threads 2/);
    expect(log).toContain(`listening on http://127.0.0.1:${state.port}`);
    const bad = await fetch(`${state.url}/v1/models`, { headers: { Authorization: 'Bearer wrong' } });
    expect(bad.status).toBe(401);
  });

  it('answers a plain chat completion with usage', async () => {
    const r = await client.chat.completions.create({ ...ASCII_ONLY, model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 8 });
    expect(typeof r.choices[0]?.message.content).toBe('string');
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeLessThanOrEqual(8);
    expect(r.usage?.prompt_tokens).toBeGreaterThan(3);
  });

  it('streams with usage in the last chunk', async () => {
    const stream = await client.chat.completions.create({
      ...ASCII_ONLY, model: MODEL, stream: true, stream_options: { include_usage: true }, max_tokens: 6, messages: [{ role: 'user', content: 'Count.' }],
    });
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      chunks++;
      if (c.usage) usage = c.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('constrains output to a JSON schema', async () => {
    const r = await client.chat.completions.create({
      model: MODEL, max_tokens: 48, messages: [{ role: 'user', content: 'Verdict?' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'verdict', schema: { type: 'object', properties: { verdict: { type: 'string', enum: ['pass', 'fail'] } }, required: ['verdict'], additionalProperties: false } },
      },
    });
    const parsed = JSON.parse(r.choices[0]?.message.content ?? '') as { verdict: string };
    expect(['pass', 'fail']).toContain(parsed.verdict);
  });

  it('serves the providers module through the endpoint the runtime publishes (streamed and schema-checked)', async () => {
    const [ep] = readServerEndpoints(join(dir, 'state'));
    expect(ep).toMatchObject({ id: 'cpu-tiny', model: MODEL, baseUrl: `${state.url}/v1` });
    const provider = new OpenAICompatibleProvider({ baseUrl: ep!.baseUrl, apiKey: ep!.apiKey, model: MODEL, timeoutMs: 60_000, retry: RetryPolicy.parse({}) });
    // Schema-constrained like the call after it: the random model left free may write bytes llama-server refuses
    // mid-stream (see ASCII_ONLY), where nothing can retry.
    const streamed = await provider.chat({
      messages: [{ role: 'user', content: 'Hi' }], maxTokens: 48, stream: true, meta: { role: 'polecat' }, schema: z.object({ verdict: z.enum(['pass', 'fail']) }),
    });
    expect(streamed.usage.completion).toBeGreaterThan(0);
    expect(['pass', 'fail']).toContain(streamed.json?.verdict);
    const judged = await provider.chat({
      messages: [{ role: 'user', content: 'Verdict?' }], maxTokens: 48, meta: { role: 'refinery' },
      schema: z.object({ verdict: z.enum(['pass', 'fail']) }),
    });
    expect(['pass', 'fail']).toContain(judged.json?.verdict);
  });

  it('exposes /slots and /metrics, and the supervisor stores the measured speed', async () => {
    const slots = await fetchSlots(state.url, state.apiKey);
    expect(slots.map((s) => s.nCtx)).toEqual([1024, 1024]);
    await client.chat.completions.create({ ...ASCII_ONLY, model: MODEL, messages: [{ role: 'user', content: 'Go on.' }], max_tokens: 8 });
    await sup.scrapeAll();
    const speed = readMeasuredSpeeds(join(dir, 'state'))[MODEL];
    expect(speed?.gen).toBeGreaterThan(0);
    expect(speed?.prompt).toBeGreaterThan(0);
    // The real server resets its throughput gauges on every scrape; the totals keep counting.
    const m = await fetchMetrics(state.url, state.apiKey);
    expect(m.tokensPredictedTotal).toBeGreaterThan(0);
    expect(m.predictedTokensPerSecond).toBe(0);
  });

  it("matches the estimator's KV and weight figures to the sizes the server logs", () => {
    const log = readFileSync(state.logFile, 'utf8');
    const mib = (re: RegExp): number => {
      const hit = re.exec(log);
      if (!hit?.[1]) throw new Error(`log line ${re} not found in ${state.logFile}`);
      return Number(hit[1]);
    };
    const loggedKv = mib(/KV buffer size =\s+([\d.]+) MiB/);
    const loggedModel = mib(/model buffer size =\s+([\d.]+) MiB/);
    const loggedCompute = mib(/compute buffer size =\s+([\d.]+) MiB/);
    const model = ModelEntry.parse({
      name: MODEL, file: 'tiny.gguf', quant: 'F16', fileSizeMiB: tiny.fileSizeBytes / 1048576,
      arch: {
        name: 'llama', layers: DEFAULT_TINY.layers, headCount: DEFAULT_TINY.heads, kvHeads: DEFAULT_TINY.kvHeads,
        keyLength: DEFAULT_TINY.embd / DEFAULT_TINY.heads, valueLength: DEFAULT_TINY.embd / DEFAULT_TINY.heads,
        embeddingLength: DEFAULT_TINY.embd, feedForwardLength: DEFAULT_TINY.ff, vocabSize: tiny.vocabSize,
        contextLength: DEFAULT_TINY.ctx, tiedEmbeddings: true,
      },
      speed: { cpu: { gen: 100, prompt: 1000 } },
    });
    const est = estimateServer(model, shape, 0);
    process.stderr.write(
      `estimator vs llama-server log: KV ${est.kvMiB} vs ${loggedKv} MiB, weights ${est.weightsRamMiB} vs ${loggedModel} MiB, compute ${est.computeMiB} vs ${loggedCompute} MiB\n`,
    );
    expect(Math.abs(est.kvMiB - loggedKv)).toBeLessThanOrEqual(0.05 + loggedKv * 0.02);
    // The estimate is the file size: tensors plus the header (tokenizer, ~3 MiB here), which the buffer lacks.
    const headerMiB = (tiny.fileSizeBytes - tiny.tensorBytes) / 1048576;
    expect(Math.abs(est.weightsRamMiB - (loggedModel + headerMiB))).toBeLessThanOrEqual(0.1 + loggedModel * 0.02);
    // The compute estimate must not be below what the server allocates, nor far above it (it was 298 vs 2 MiB
    // when logits were reserved for 512 x vocabulary rows): the target, 10% or 16 MiB.
    expect(est.computeMiB).toBeGreaterThanOrEqual(loggedCompute);
    expect(est.computeMiB - loggedCompute).toBeLessThanOrEqual(Math.max(loggedCompute * 0.1, 16));
  });

  it('restarts the real server after it is killed', async () => {
    const restarted = new Promise((r) => sup.once('restarted', r));
    process.kill(state.pid!, 'SIGKILL');
    await restarted;
    const after = readServerStates(join(dir, 'state'))[0]!;
    expect(after.pid).not.toBe(state.pid);
    expect(after.restarts).toBe(1);
    const r = await client.chat.completions.create({ ...ASCII_ONLY, model: MODEL, messages: [{ role: 'user', content: 'again' }], max_tokens: 4 });
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
  });
});
