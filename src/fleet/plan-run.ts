// I/O around the planner for `gth plan`: config, beads folder or sample convoy, rig files, measured speeds, GGUF headers.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Bead } from '../beads/schema.js';
import { BeadStore } from '../beads/store.js';
import { ConfigError, loadRawConfig } from '../config/load.js';
import { UsageError } from '../util/errors.js';
import type { FleetPlan } from './plan-schema.js';
import { Speed } from './catalog-schema.js';
import { loadFleetConfig, type FleetConfig } from './config.js';
import { checkMeasured } from './config-check.js';
import { withHeader } from './gguf-arch.js';
import { planFleet } from './planner.js';
import { loadRigTokens } from './rig-context.js';
import { sampleConvoy } from './sample-convoy.js';
import type { Measured } from './server-spec.js';

export const MeasuredFile = z.record(z.string(), Speed);

export interface PlanRunOptions {
  beadsDir?: string;
  rigDir?: string;
  configFile?: string;
  measuredFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
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
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = MeasuredFile.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  }
  const problems = checkMeasured(parsed.data, config.catalog);
  if (problems.length) throw new ConfigError(problems.map((p) => `${file}: ${p}`).join('\n'));
  return parsed.data;
}

export async function runPlan(o: PlanRunOptions = {}): Promise<PlanRun> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const config = loadFleetConfig(loadRawConfig(o.configFile, env, cwd), cwd);
  // GGUF headers on disk beat catalog numbers.
  const modelsDir = resolve(cwd, config.hardware.modelsDir);
  const fromHeaders: string[] = [];
  const catalog = await Promise.all(
    config.catalog.map(async (m) => {
      const r = await withHeader(m, modelsDir);
      if (r.fromHeader) fromHeaders.push(m.name);
      return r.model;
    }),
  );
  const cfg: FleetConfig = { ...config, catalog };
  let beads: Bead[];
  let source: string;
  if (o.beadsDir) {
    const dir = resolve(cwd, o.beadsDir);
    if (!existsSync(dir)) throw new UsageError(`--beads: folder not found: ${dir}`);
    beads = await new BeadStore({ dir, env }).list();
    source = `beads in ${dir}`;
  } else {
    beads = sampleConvoy();
    source = 'built-in sample convoy';
  }
  let rig;
  if (o.rigDir) {
    const dir = resolve(cwd, o.rigDir);
    if (!existsSync(dir)) throw new UsageError(`--rig: folder not found: ${dir}`);
    rig = loadRigTokens(dir);
  }
  const measuredFile = o.measuredFile ? resolve(cwd, o.measuredFile) : env.GTH_MEASURED ? resolve(cwd, env.GTH_MEASURED) : undefined;
  if (o.measuredFile && !existsSync(measuredFile!)) throw new UsageError(`--measured: file not found: ${measuredFile}`);
  const measured = measuredFile && existsSync(measuredFile) ? readMeasured(measuredFile, cfg) : undefined;
  return { plan: planFleet(beads, cfg, { rig, measured }), config: cfg, source, fromHeaders };
}
