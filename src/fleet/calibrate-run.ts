// `gth calibrate`: serves synthetic (or real) GGUFs with the planner's own flags and compares logged buffers to the estimate.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { gguf } from '@huggingface/gguf';
import type { Logger } from 'pino';
import { loadRawConfig } from '../config/load.js';
import { GthError, UsageError } from '../util/errors.js';
import { createLogger } from '../util/logger.js';
import { loadRuntimeSettings } from '../runtime/config.js';
import { NvidiaSmi } from '../runtime/gpu.js';
import { ServerProcess } from '../runtime/server-process.js';
import { fetchSlots } from '../runtime/probe.js';
import type { CacheType } from './plan-schema.js';
import type { ModelEntry } from './catalog-schema.js';
import { loadFleetConfig } from './config.js';
import { findModel } from './config-check.js';
import { llamaServerArgs } from './command-line.js';
import { estimateServer, MiB, type ServerShape } from './estimator.js';
import { modelPath, withHeader } from './gguf-arch.js';
import { parseLoggedSizes, parseLoggedTimings, parseRssMiB } from './llama-log.js';
import { bandwidthBound, bytesPerToken } from './speed.js';
import { writeSyntheticGguf } from './synthetic-gguf.js';
import { withinTargets, writeCalibration, type Calibration, type CalibrationRun } from './calibration.js';

export interface CalibrateOptions {
  models?: string[];
  layers?: number;
  ctx: number[];
  slots: number[];
  speed: boolean;
  /** llama-quantize target type (default Q4_K_M, the catalog's); Q4_0 quantizes several times faster for CI. */
  quant?: string;
  configFile?: string;
  /** Write the calibration file to the state folder (default true). */
  save?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger?: Logger;
}

export interface CalibrateResult {
  calibration: Calibration;
  file: string | null;
}

/** One point of the grid: KV types and flash attention as the planner would pass them. */
interface KvMode {
  k: CacheType;
  v: CacheType;
  fa: 'on' | 'off' | 'auto';
}

const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });

/** llama-server: $GTH_LLAMA_SERVER, the runtime's configured binary when it is a path, else the pinned cached build. */
function locateBinary(configured: string, env: NodeJS.ProcessEnv): string {
  if (configured.includes('/')) return configured;
  const cached = join(env.GTH_LLAMA_CACHE || join(homedir(), '.cache', 'gastown-hybrid', 'llama.cpp'), env.GTH_LLAMA_PIN || '3.21.1', 'bin', 'llama-server');
  return existsSync(cached) ? cached : configured;
}

async function quantize(quantizer: string, src: string, dst: string, quant: string, threads: number, env: NodeJS.ProcessEnv): Promise<void> {
  // The synthetic file is Q8_0, so requantizing is allowed explicitly.
  const r = await execa(quantizer, ['--allow-requantize', src, dst, quant, String(threads)], { env, reject: false, timeout: 600_000, all: true });
  if (r.exitCode !== 0) throw new GthError(`${quantizer} failed on ${src} (exit ${r.exitCode}): ${String(r.all).trim().split('\n').slice(-5).join(' | ')}`);
}

async function tensorBytes(path: string): Promise<number> {
  const parsed = await gguf(path, { allowLocalFile: true });
  return statSync(path).size - Number(parsed.tensorDataOffset);
}

/** A prompt of about 200 tokens, so prompt processing is timed over a batch rather than a handful of tokens. */
const SPEED_PROMPT = 'Once upon a time, in a town of gas and steam, the engines sang while the workers built the rhythm game. '.repeat(8);

/**
 * Decode and prompt tokens/s of one request, from the timings llama-server logs when the request ends: it logs
 * them even when it fails the response (text from random weights can trip its output parser), so the HTTP
 * status does not matter.
 */
async function measureSpeed(url: string, apiKey: string, logPath: string): Promise<{ gen: number; prompt: number } | undefined> {
  const before = readFileSync(logPath, 'utf8').length;
  await fetch(`${url}/completion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ prompt: SPEED_PROMPT, n_predict: 48, ignore_eos: true, temperature: 0, cache_prompt: false }),
    signal: AbortSignal.timeout(120_000),
  }).then((r) => r.arrayBuffer());
  for (let tries = 0; tries < 50; tries++) {
    const t = parseLoggedTimings(readFileSync(logPath, 'utf8').slice(before));
    if (t) return { gen: t.gen, prompt: t.prompt };
    await new Promise((res) => setTimeout(res, 100));
  }
  return undefined;
}

/**
 * Below this many bytes read per token, fixed per-token costs (sampling over the vocabulary, graph launch) outweigh
 * the memory reads, so such a model's decode speed says nothing about the bandwidth efficiency the planner applies.
 */
const EFFICIENCY_MIN_BYTES = 256 * MiB;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r2 = (x: number): number => Math.round(x * 100) / 100;

export async function runCalibrate(o: CalibrateOptions): Promise<CalibrateResult> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const log = o.logger ?? createLogger(env, 'gth-calibrate');
  const raw = loadRawConfig(o.configFile, env, cwd);
  const cfg = loadFleetConfig(raw, cwd);
  const settings = loadRuntimeSettings(raw, env, cwd);
  const binary = locateBinary(settings.binary, env);
  if (binary.includes('/') && !existsSync(binary)) throw new GthError(`llama-server not found at ${binary} (run runner-setup/build-llama-server.sh or set GTH_LLAMA_SERVER)`);
  const quantizer = env.GTH_LLAMA_QUANTIZE || join(dirname(binary), 'llama-quantize');
  const vocab = env.GTH_LLAMA_VOCAB || join(dirname(dirname(binary)), 'src', 'models', 'ggml-vocab-qwen2.gguf');
  const names = o.models?.length ? o.models : cfg.catalog.map((m) => m.name);
  const models = names.map((n) => {
    const m = findModel(cfg.catalog, n);
    if (!m) throw new UsageError(`--models: ${n} is not in the catalog (${cfg.catalog.map((c) => c.name).join(', ')})`);
    return m;
  });
  const smi = new NvidiaSmi('nvidia-smi', env);
  const gpu = await smi.detect();
  const device: 'gpu' | 'cpu' = gpu.available ? 'gpu' : 'cpu';
  const threads = Math.max(1, Math.min(4, cpus().length));
  const quant = o.quant ?? 'Q4_K_M';
  const modes: KvMode[] = [
    { k: cfg.switcher.cacheTypeK, v: cfg.switcher.cacheTypeV, fa: cfg.switcher.flashAttention === 'off' && cfg.switcher.cacheTypeV !== 'f16' ? 'on' : cfg.switcher.flashAttention },
    { k: 'f16', v: 'f16', fa: 'off' },
  ];
  const work = mkdtempSync(join(tmpdir(), 'gth-calibrate-'));
  const runs: CalibrationRun[] = [];
  const overheads: number[] = [];
  const efficiencies: number[] = [];
  try {
    for (const catalogModel of models) {
      const real = modelPath(resolve(cwd, cfg.hardware.modelsDir), catalogModel.file);
      let file: string;
      let entry: ModelEntry;
      let synthetic: boolean;
      if (existsSync(real) && o.layers === undefined) {
        // A real GGUF on disk is calibrated as is, with its header's architecture.
        file = real;
        entry = { ...(await withHeader(catalogModel, dirname(real))).model };
        entry = { ...entry, fileSizeMiB: (await tensorBytes(real)) / MiB };
        synthetic = false;
      } else {
        if (!existsSync(vocab)) throw new GthError(`no vocab GGUF at ${vocab} (set GTH_LLAMA_VOCAB to a llama.cpp models/ggml-vocab-*.gguf)`);
        if (!existsSync(quantizer)) throw new GthError(`llama-quantize not found at ${quantizer} (runner-setup/build-llama-server.sh builds it; or set GTH_LLAMA_QUANTIZE)`);
        const layers = Math.min(o.layers ?? catalogModel.arch.layers, catalogModel.arch.layers);
        const q8 = join(work, `${catalogModel.name}.q8_0.gguf`);
        log.info({ model: catalogModel.name, layers }, 'writing synthetic GGUF');
        const syn = writeSyntheticGguf(q8, { arch: catalogModel.arch, layers, vocabGguf: vocab, name: catalogModel.name });
        if (quant.toUpperCase() === 'Q8_0') {
          // The synthetic file is Q8_0 already: requantizing would only rewrite the same bytes.
          file = q8;
        } else {
          file = join(work, `${catalogModel.name}.${quant}.gguf`);
          await quantize(quantizer, q8, file, quant, threads, env);
          rmSync(q8);
        }
        const arch = { ...catalogModel.arch, layers, vocabSize: syn.vocabSize, moe: catalogModel.arch.moe ? { ...catalogModel.arch.moe, leadingDenseLayers: 0 } : undefined };
        entry = { ...catalogModel, arch, quant, fileSizeMiB: (await tensorBytes(file)) / MiB };
        synthetic = true;
      }
      // Decode speed hardly depends on the grid point, so it is measured once per model (the first point: the planner's cache mode).
      let speedDone = !o.speed;
      for (const ctx of o.ctx) {
        for (const slots of o.slots) {
          for (const mode of modes) {
            const shape: ServerShape = {
              device, slots, ctxPerSlot: ctx, cacheTypeK: mode.k, cacheTypeV: mode.v, flashAttention: mode.fa !== 'off', flashAttnFlag: mode.fa,
              cacheRamMiB: cfg.switcher.cacheRamMiB, nCpuMoe: 0,
            };
            const args = llamaServerArgs({ modelPath: file, alias: entry.name, shape, gpuLayers: device === 'gpu' ? entry.arch.layers + 1 : 0, threads, cpuCores: [] });
            const port = await freePort();
            const apiKey = randomBytes(12).toString('hex');
            const logPath = join(work, `${entry.name}-${ctx}-${slots}-${mode.k}-${mode.fa}.log`);
            const proc = new ServerProcess(`calibrate-${entry.name}`, { file: binary, args: [...args, '-lv', String(settings.logVerbosity), '--host', '127.0.0.1', '--port', String(port), '--api-key', apiKey], modelPath: file }, `http://127.0.0.1:${port}`, apiKey, logPath, env);
            proc.spawn(() => undefined);
            try {
              await proc.waitReady(180_000);
              const slotsInfo = await fetchSlots(proc.baseUrl, apiKey);
              const rss = proc.pid && existsSync(`/proc/${proc.pid}/status`) ? parseRssMiB(readFileSync(`/proc/${proc.pid}/status`, 'utf8')) : null;
              let vram: number | null = null;
              if (device === 'gpu' && proc.pid) vram = (await smi.apps().catch(() => [])).find((a) => a.pid === proc.pid)?.usedMiB ?? null;
              const speed = speedDone ? undefined : await measureSpeed(proc.baseUrl, apiKey, logPath);
              speedDone = true;
              const gen = speed?.gen;
              const logged = parseLoggedSizes(readFileSync(logPath, 'utf8'));
              const est = estimateServer(entry, shape, 0);
              const estimate = { weightsMiB: device === 'gpu' ? est.weightsVramMiB : est.weightsRamMiB, kvMiB: est.kvMiB, computeMiB: est.computeMiB };
              const measured = { weightsMiB: device === 'gpu' ? logged.modelDeviceMiB : logged.modelMiB, kvMiB: logged.kvMiB, computeMiB: logged.computeMiB };
              if (vram !== null) overheads.push(vram - logged.modelDeviceMiB - logged.kvMiB - logged.computeMiB);
              const bound = bandwidthBound(entry, device, 0, cfg.hardware);
              const read = bytesPerToken(entry, device, 0);
              if (gen && read.gpu + read.ram >= EFFICIENCY_MIN_BYTES) efficiencies.push(gen / bound);
              runs.push({
                model: entry.name, layers: entry.arch.layers, synthetic, device, slots, ctxPerSlot: ctx, cacheTypeK: mode.k, cacheTypeV: mode.v, flashAttn: mode.fa, args,
                estimate,
                measured: { ...measured, computeHostMiB: logged.computeHostMiB, rssMiB: rss === null ? null : r2(rss), vramMiB: vram, slotCtx: slotsInfo.map((s) => s.nCtx) },
                within: withinTargets(estimate, measured),
                ...(speed ? { genTokensPerSecond: r2(speed.gen), promptTokensPerSecond: r2(speed.prompt), boundGen: r2(bound) } : {}),
              });
              log.info({ model: entry.name, ctx, slots, kv: `${mode.k}/${mode.v}`, fa: mode.fa, estimate, measured }, 'calibrated');
            } finally {
              await proc.stop(5000);
            }
          }
        }
      }
      if (synthetic) rmSync(file, { force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const calibration: Calibration = {
    at: new Date().toISOString(),
    llamaServer: binary,
    device,
    ...(overheads.length ? { cudaOverheadMiB: r2(Math.max(0, median(overheads))) } : {}),
    ...(efficiencies.length ? { decodeEfficiency: Math.min(1, Math.max(0.001, Math.round(median(efficiencies) * 1000) / 1000)) } : {}),
    runs,
  };
  const file = o.save === false ? null : writeCalibration(settings.stateDir, calibration);
  return { calibration, file };
}
