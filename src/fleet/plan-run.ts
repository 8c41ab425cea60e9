// I/O around the planner for `gth plan`: config, beads folder or sample convoy, rig files, measured speeds, GGUF headers.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { scanBeads, type ScanResult } from '../beads/scan.js';
import type { PlanInputPaths } from './plan-answer.js';
import { beadText } from '../beads/text.js';
import { GthError } from '../util/errors.js';
import { ConfigError, configPath, loadRawConfig, parseJsonFile, validateFile } from '../config/load.js';
import { UsageError } from '../util/errors.js';
import type { Logger } from 'pino';
import type { FleetPlan } from './plan-schema.js';
import { Speed } from './catalog-schema.js';
import { loadFleetConfig, type FleetConfig } from './config.js';
import { fleetWithEvalFeedback } from '../eval/feedback.js';
import { checkMeasured } from './config-check.js';
import { modelPath, withHeader } from './gguf-arch.js';
import { applyCalibration, readCalibration } from './calibration.js';
import { planBeads, planFleet } from './planner.js';
import { loadRigTokens } from './rig-context.js';
import { sampleConvoy } from './sample-convoy.js';
import { cachingCounter } from './token-cache.js';
import { indexDirFor } from '../beads/scan-index.js';
import type { Measured } from './server-spec.js';
import { loadRuntimeSettings } from '../runtime/config.js';
import { readMeasuredSpeeds } from '../runtime/speeds.js';
import { readUnhealthyModels } from '../runtime/state-store.js';

/** `{ "model": { gen, prompt } }`, or the runtime's `{ models: { "model": { gen, prompt, ... } } }`. */
export const MeasuredFile = z.union([
  z.strictObject({ models: z.record(z.string(), z.looseObject({ gen: Speed.shape.gen, prompt: Speed.shape.prompt, threads: z.int().positive().optional() })) }),
  z.record(z.string(), Speed),
]);

export interface PlanRunOptions {
  beadsDir?: string;
  rigDir?: string;
  configFile?: string;
  measuredFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger?: Logger;
  /** The beads already scanned (gth plan looks up a kept answer by the scan's generation first). */
  scan?: ScanResult;
  /** Told which files and folders the plan reads, after the config and before any of them (plan-answer.ts). */
  onInputs?: (paths: PlanInputPaths) => void;
}

export interface PlanRun {
  plan: FleetPlan;
  config: FleetConfig;
  /** What was planned, for the heading: the sample convoy or a folder. */
  source: string;
  /** Models whose architecture came from a GGUF header on disk. */
  fromHeaders: string[];
}

/** Reads measured tokens/s (written by the runtime); unknown model names are rejected by name. */
export function readMeasured(file: string, config: FleetConfig): Measured {
  const data = parseJsonFile(file);
  const runtimeShape = typeof data === 'object' && data !== null && 'models' in data;
  // Checked against the one shape it claims to be, so the errors are about that shape (not a union's).
  const parsed = validateFile(file, runtimeShape ? MeasuredFile.options[0] : MeasuredFile.options[1], data);
  const raw: Measured = 'models' in parsed ? (parsed.models as Measured) : (parsed as Measured);
  const problems = checkMeasured(raw, config.catalog);
  if (problems.length) throw new ConfigError(problems.map((p) => `${file}: ${p}`).join('\n'));
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, { gen: v.gen, prompt: v.prompt, ...(v.threads ? { threads: v.threads } : {}) }]));
}

/** What the runtime learnt: measured speeds (positive, catalog models only) and models it marked unhealthy. */
export function readRuntimeState(stateDir: string, config: FleetConfig): { measured: Measured; unhealthy: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const measured: Measured = {};
  for (const [name, speed] of Object.entries(readMeasuredSpeeds(stateDir))) {
    if (!config.catalog.some((m) => m.name === name)) warnings.push(`${stateDir}: measured speed for "${name}", which is not in the catalog, ignored`);
    else if (speed.gen > 0 && speed.prompt > 0) measured[name] = speed;
  }
  return { measured, unhealthy: Object.keys(readUnhealthyModels(stateDir)), warnings };
}

/**
 * The run's logger. It logs at info only, and at the default level (warn) or above nothing would be written, so pino
 * and its helpers (tens of milliseconds of a re-plan's start-up) are loaded only when GTH_LOG_LEVEL lets info through.
 */
async function planLogger(env: NodeJS.ProcessEnv): Promise<Pick<Logger, 'info'>> {
  const level = env.GTH_LOG_LEVEL;
  if (level === undefined || ['warn', 'error', 'fatal', 'silent'].includes(level)) return { info: () => undefined };
  const { createLogger } = await import('../util/logger.js');
  return createLogger(env, 'gth-plan');
}

export async function runPlan(o: PlanRunOptions = {}): Promise<PlanRun> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const log = o.logger ?? (await planLogger(env));
  const started = Date.now();
  const raw = loadRawConfig(o.configFile, env, cwd);
  const stateDir = loadRuntimeSettings(raw, env, cwd).stateDir;
  const fleet = loadFleetConfig(raw, cwd);
  const modelsDir = resolve(cwd, fleet.hardware.modelsDir);
  o.onInputs?.({
    configFile: configPath(o.configFile, env, cwd).file,
    catalogFile: fleet.catalogFile ?? null,
    measuredFile: o.measuredFile ? resolve(cwd, o.measuredFile) : null,
    stateDir,
    modelsDir,
    modelFiles: fleet.catalog.map((m) => modelPath(modelsDir, m.file)),
  });
  // The latest `gth eval` results flag hallucinating models and put the best model per token band first.
  const config = fleetWithEvalFeedback(fleet, raw, stateDir);
  // GGUF headers on disk beat catalog numbers.
  const fromHeaders: string[] = [];
  const catalog = await Promise.all(
    config.catalog.map(async (m) => {
      const r = await withHeader(m, modelsDir);
      if (r.fromHeader) {
        fromHeaders.push(m.name);
        log.info({ model: m.name, file: m.file, layers: r.model.arch.layers, kvHeads: r.model.arch.kvHeads }, 'architecture read from GGUF header');
      }
      return r.model;
    }),
  );
  // gth calibrate's measurements (CUDA overhead, decode efficiency) beat the profile's defaults.
  const calibrated = applyCalibration(config.hardware, readCalibration(stateDir), { catalog, rules: config.switcher.rules });
  const cfg: FleetConfig = { ...config, hardware: calibrated.hardware, catalog };
  let rig;
  if (o.rigDir) {
    const dir = resolve(cwd, o.rigDir);
    if (!existsSync(dir)) throw new UsageError(`--rig: folder not found: ${dir}`);
    rig = loadRigTokens(dir);
  }
  // The runtime's state folder holds measured tokens/s and crash-marked models; --measured overrides the speeds.
  const state = readRuntimeState(stateDir, cfg);
  // The running servers' own figures beat gth calibrate --speed's.
  let measured = { ...calibrated.measured, ...state.measured };
  if (o.measuredFile) {
    const file = resolve(cwd, o.measuredFile);
    if (!existsSync(file)) throw new UsageError(`--measured: file not found: ${file}`);
    measured = { ...measured, ...readMeasured(file, cfg) };
  }
  const opts = { rig, measured, unhealthy: state.unhealthy };
  let plan: FleetPlan;
  let source: string;
  let tokenCache: { hits: number; misses: number } | undefined;
  if (o.beadsDir) {
    const dir = resolve(cwd, o.beadsDir);
    if (!existsSync(dir)) throw new UsageError(`--beads: folder not found: ${dir}`);
    source = `beads in ${dir}`;
    // The scan index's summaries hold all that planning reads: no bead is parsed whole unless its text must be counted.
    const { beads, problems } = o.scan ?? (await scanBeads(dir, { bytes: false }));
    if (problems.length) throw new GthError(problems.map((p) => p.message).join('\n'));
    // Token counts kept where the bead scan keeps its cache (the town's .git folder): a re-plan counts only changed beads.
    const counter = cachingCounter(indexDirFor(dir));
    const whole = new Map(beads.map((b) => [b.summary, b]));
    log.info({ measured: Object.keys(measured), unhealthy: state.unhealthy, beads: beads.length, source }, 'planning');
    plan = planBeads(
      beads.map((b) => b.summary),
      cfg,
      { ...opts, beadTokens: (s) => counter.countKeyed(s.textKey, () => beadText(whole.get(s)!.bead)) },
    );
    counter.save();
    tokenCache = { hits: counter.hits, misses: counter.misses };
  } else {
    source = 'built-in sample convoy';
    plan = planFleet(sampleConvoy(), cfg, opts);
  }
  plan.warnings.push(...state.warnings);
  plan.notes = [...(plan.notes ?? []), ...calibrated.notes];
  log.info({ servers: plan.servers.length, waves: plan.waves.length, tokenCache, ms: Date.now() - started }, 'planned');
  return { plan, config: cfg, source, fromHeaders };
}
