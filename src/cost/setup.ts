// Builds the ledger meter from gastown.yml (cost section), the price table and $GTH_LEDGER.
import type { Logger } from 'pino';
import type { RawConfig } from '../config/load.js';
import { loadCostConfig, pricesPathFor } from './config.js';
import { NvidiaSmi } from '../runtime/gpu.js';
import { PolledGpuReader } from '../runtime/gpu-poll.js';
import { powerSamplerFrom, type PowerSampler } from './energy.js';
import { resolveLedgerPath } from './ledger.js';
import { LedgerMeter } from './meter.js';
import { loadPrices } from './prices.js';

export interface MeterSetup {
  raw: RawConfig;
  env?: NodeJS.ProcessEnv;
  /** The town repo root; the ledger defaults to .gastown-state/ledger.jsonl under it. */
  townRoot?: string;
  /** GPU power reader; default: nvidia-smi per cost.powerSampler (cost.localWatts when it fails). */
  sampler?: PowerSampler;
  /**
   * A serving process's nvidia-smi: power is read from one poll loop of it (runtime/gpu-poll.ts) instead of one
   * nvidia-smi process per sample. Only when cost.powerSampler is nvidia-smi.
   */
  pollGpu?: NvidiaSmi;
  logger?: Logger;
  clock?: () => number;
}

export function createLedgerMeter(setup: MeterSetup): LedgerMeter {
  const cwd = setup.townRoot ?? process.cwd();
  const cost = loadCostConfig(setup.raw);
  return new LedgerMeter({
    ledgerPath: resolveLedgerPath(setup.env ?? process.env, cwd),
    prices: loadPrices(pricesPathFor(cost, setup.raw, cwd)),
    localWatts: cost.localWatts,
    cpuWatts: cost.cpuWatts,
    sampleMs: cost.powerSampleMs,
    sampler: setup.sampler ?? (cost.powerSampler === 'nvidia-smi' ? powerSamplerFrom(setup.pollGpu ? new PolledGpuReader(setup.pollGpu, { periodMs: cost.powerSampleMs }) : new NvidiaSmi('nvidia-smi', setup.env ?? process.env)) : undefined),
    logger: setup.logger,
    clock: setup.clock,
  });
}
