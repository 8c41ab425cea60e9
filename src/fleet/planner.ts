// Plans the fleet for a set of beads: model per bead, llama-server shapes, waves, headroom and wall time. Pure: no I/O.
import type { Bead } from '../beads/schema.js';
import { GthError } from '../util/errors.js';
import type { Assignment, FleetPlan, ServerPlan, Wave } from './plan-schema.js';
import type { FleetConfig } from './config.js';
import { ramBudgetMiB, totalPhysicalCores, usableCores, vramBudgetMiB, type PhysicalCore } from './hardware.js';
import { beadText, promptEstimate, type RigTokens } from './prompt-tokens.js';
import { countTokens } from './tokenizer.js';
import { chooseModel, roleOf, type Choice } from './switcher.js';
import { levelsOf } from './levels.js';
import { isMisfit, roundCtx, sizeServer } from './server-sizing.js';
import { assignCores, importanceOf, loadSecondsFor, slug, speedAt, speedFor, threadPlan, type Measured, type ServerSpec } from './server-spec.js';
import type { PlanBead, WorkItem } from './waves.js';
import { schedule, type Duration, type Scheduled } from './schedule.js';
import { llamaServerArgs, commandLine } from './command-line.js';
import { modelPath } from './gguf-arch.js';
import { fitErrorMessage } from './fit-error.js';

export interface PlanOptions {
  rig?: RigTokens;
  measured?: Measured;
  /** Models the runtime marked unhealthy; their beads go to the catalog fallback. */
  unhealthy?: readonly string[];
  /** Token counter (gpt-tokenizer by default). */
  count?: (text: string) => number;
}

/** What planBeads needs besides the options: each bead's own text tokens (a re-plan takes them from a cache by key). */
export interface PlanInput<B extends PlanBead> extends PlanOptions {
  beadTokens: (bead: B) => number;
}

/** Statuses that still need work; done and cancelled beads are not planned. */
const OPEN = new Set(['open', 'in_progress', 'blocked', 'review', 'failed']);

export class FleetFitError extends GthError {
  constructor(message: string) {
    super(message);
    this.name = 'FleetFitError';
  }
}

interface Items {
  items: WorkItem[];
  levelCount: number;
  warnings: string[];
  waitsOn: Map<string, string[]>;
}

function buildItems<B extends PlanBead>(beads: readonly B[], cfg: FleetConfig, opts: PlanInput<B>, noFit: ReadonlySet<string>): Items {
  const planned = beads.filter((b) => OPEN.has(b.status) && b.type !== 'epic');
  const all = new Map(beads.map((b) => [b.id, b]));
  const { level, count, warnings, waitsOn } = levelsOf(planned, all);
  const unhealthy = new Set(opts.unhealthy ?? []);
  // The choice depends on the role and prompt size only: beads that share both share one (read-only) choice.
  const choices = new Map<string, { choice: Choice; serverKey: string | null }>();
  const items = planned.map((bead): WorkItem => {
    const role = roleOf(bead);
    const promptTokens = promptEstimate(bead, opts.beadTokens(bead), cfg.switcher.prompt, opts.rig).tokens;
    const memo = `${role} ${promptTokens}`;
    let chosen = choices.get(memo);
    if (!chosen) {
      const choice = chooseModel(role, promptTokens, cfg.switcher, cfg.catalog, unhealthy, noFit);
      chosen = { choice, serverKey: choice.device === 'cloud' ? null : `${choice.device}:${choice.model.name}` };
      choices.set(memo, chosen);
    }
    return { bead, role, promptTokens, outputTokens: cfg.switcher.outputTokens[role] ?? 0, choice: chosen.choice, level: level.get(bead.id)!, serverKey: chosen.serverKey };
  });
  return { items, levelCount: count, warnings, waitsOn };
}

function buildSpecs(items: readonly WorkItem[], cfg: FleetConfig, opts: PlanOptions): { specs: Map<string, ServerSpec>; misfits: Map<string, string> } {
  const groups = new Map<string, WorkItem[]>();
  for (const i of items) {
    if (!i.serverKey) continue;
    const g = groups.get(i.serverKey);
    if (g) g.push(i);
    else groups.set(i.serverKey, [i]);
  }
  const specs = new Map<string, ServerSpec>();
  const misfits = new Map<string, string>();
  for (const [key, group] of groups) {
    const first = group[0]!;
    if (first.choice.device === 'cloud') continue;
    const { model, device } = first.choice;
    const perLevel = new Map<number, number>();
    let ctx = 0;
    for (const i of group) {
      perLevel.set(i.level, (perLevel.get(i.level) ?? 0) + 1);
      ctx = Math.max(ctx, i.promptTokens + i.outputTokens);
    }
    const ctxPerSlot = roundCtx(ctx, model.arch.contextLength);
    const sized = sizeServer(model, device, Math.max(...perLevel.values()), ctxPerSlot, cfg.switcher, cfg.hardware);
    if (isMisfit(sized)) {
      misfits.set(key, fitErrorMessage(model, device, sized, cfg, ctxPerSlot));
      continue;
    }
    const roles = [...new Set(group.map((i) => i.role))];
    const resolved = speedFor(model, sized.shape, cfg.hardware, opts.measured);
    specs.set(key, {
      key,
      id: `${device}-${slug(model.name)}`,
      model,
      device,
      roles,
      shape: sized.shape,
      estimate: sized.estimate,
      // More than the layer count also offloads the output head.
      gpuLayers: device === 'gpu' ? model.arch.layers + 1 : 0,
      threads: 1,
      cores: [],
      corePlan: threadPlan(device, roles, sized.shape.nCpuMoe, cfg.switcher),
      importance: importanceOf(roles),
      speed: resolved.speed,
      speedSource: resolved.source,
      promptSpeedSource: resolved.promptSource,
      boundGen: resolved.boundGen,
      measuredThreads: resolved.source === 'measured' ? opts.measured?.[model.name]?.threads : undefined,
      loadSeconds: loadSecondsFor(model, cfg.hardware),
    });
  }
  if (misfits.size) return { specs, misfits };
  assignCores([...specs.values()], usableCores(cfg.hardware));
  return { specs, misfits };
}

/** Seconds for one bead: prompt shared by the active slots, decode slowed per doubling of slots. */
function beadSeconds(i: WorkItem, gen: number, prompt: number, active: number, efficiency: number): number {
  const perSlotGen = gen * Math.pow(efficiency, Math.log2(Math.max(1, active)));
  const perSlotPrompt = prompt / Math.max(1, active);
  return i.promptTokens / perSlotPrompt + i.outputTokens / perSlotGen;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
/** A speed for the plan: one decimal, but never rounded to 0 (a CPU server on one core of a big model). */
const rs = (x: number): number => (x >= 1 ? r1(x) : Number(x.toPrecision(2)));

const logicalCpus = (cores: readonly PhysicalCore[]): number[] => cores.flatMap((c) => c.logical).sort((a, b) => a - b);

function toServerPlan(spec: ServerSpec, cfg: FleetConfig): ServerPlan {
  const cpuCores = logicalCpus(spec.cores);
  const args = llamaServerArgs({
    modelPath: modelPath(cfg.hardware.modelsDir, spec.model.file),
    alias: spec.model.name,
    shape: spec.shape,
    gpuLayers: spec.gpuLayers,
    threads: spec.threads,
    cpuCores,
  });
  const e = spec.estimate;
  // The speed at its launch threads; a wave where it has more cores says its speed there.
  const speed = speedAt(spec, spec.threads);
  return {
    id: spec.id,
    model: spec.model.name,
    modelFile: spec.model.file,
    device: spec.device,
    roles: spec.roles,
    slots: spec.shape.slots,
    ctxPerSlot: spec.shape.ctxPerSlot,
    cacheTypeK: spec.shape.cacheTypeK,
    cacheTypeV: spec.shape.cacheTypeV,
    flashAttention: spec.shape.flashAttention,
    gpuLayers: spec.gpuLayers,
    nCpuMoe: spec.shape.nCpuMoe,
    threads: spec.threads,
    cpuCores,
    vramMiB: e.vramMiB,
    ramMiB: e.ramMiB,
    args,
    commandLine: commandLine(args, cpuCores),
    importance: spec.importance,
    tokensPerSecond: rs(speed.gen),
    tokensPerSecondSource: spec.speedSource,
    tokensPerSecondBound: spec.boundGen,
    promptTokensPerSecond: rs(speed.prompt),
    promptTokensPerSecondSource: spec.promptSpeedSource,
    estimate: {
      weightsVramMiB: e.weightsVramMiB,
      weightsRamMiB: e.weightsRamMiB,
      kvMiB: e.kvMiB,
      computeMiB: e.computeMiB,
      overheadMiB: e.overheadMiB,
      cacheRamMiB: e.cacheRamMiB,
      kvMiBPerToken: e.kvMiBPerToken,
      kvMiBPerTokenF16: e.kvMiBPerTokenF16,
      seedRuleKvMiB: e.seedRuleKvMiB,
    },
  };
}

/** Seconds one bead takes on its server with its threads at the time (every slot assumed busy) or in the cloud. */
function durationFn(cfg: FleetConfig): Duration {
  const eff = cfg.switcher.parallelEfficiency;
  const cloud = cfg.switcher.cloudSpeed;
  return (item, server, threads) => {
    if (!server) return beadSeconds(item, cloud.gen, cloud.prompt, 1, 1);
    const speed = speedAt(server, threads);
    return beadSeconds(item, speed.gen, speed.prompt, server.shape.slots, eff);
  };
}

function toAssignment(s: Scheduled, specs: ReadonlyMap<string, ServerSpec>, cfg: FleetConfig): Assignment {
  const { item } = s;
  const server = s.serverKey ? specs.get(s.serverKey)! : null;
  const model = server ? server.model.name : item.choice.device === 'cloud' ? item.choice.modelName : cfg.switcher.cloudFallbackModel;
  return {
    beadId: item.bead.id, role: item.role, target: server ? server.id : 'cloud', model, promptTokens: item.promptTokens, estSeconds: r1(s.end - s.start), startSeconds: r1(s.start),
    ...(server?.device === 'cpu' ? { threads: s.threads } : {}),
    reason: item.choice.reason,
  };
}

/**
 * Chooses models, falling back to the next switcher rule (then the cloud) for models that cannot fit;
 * throws FleetFitError only when nothing is left to fall back to, which the rules' cloud ends prevent.
 */
function chooseAndSize<B extends PlanBead>(beads: readonly B[], cfg: FleetConfig, opts: PlanInput<B>): { built: Items; specs: Map<string, ServerSpec>; notes: string[] } {
  const noFit = new Set<string>();
  const notes: string[] = [];
  for (;;) {
    const built = buildItems(beads, cfg, opts, noFit);
    const { specs, misfits } = buildSpecs(built.items, cfg, opts);
    if (!misfits.size) return { built, specs, notes };
    for (const [key, message] of misfits) {
      if (noFit.has(key)) throw new FleetFitError(message);
      noFit.add(key);
      notes.push(`${message} Its beads go to the next switcher rule, or the cloud.`);
    }
  }
}

/** The whole plan: an event-driven schedule whose phases (sets of servers up together) are the runtime's waves. */
export function planFleet(beads: readonly Bead[], cfg: FleetConfig, opts: PlanOptions = {}): FleetPlan {
  const count = opts.count ?? countTokens;
  return planBeads(beads, cfg, { ...opts, beadTokens: (b) => count(beadText(b)) });
}

/** planFleet over any bead view that holds what planning reads (the scan index's summaries, for one). */
export function planBeads<B extends PlanBead>(beads: readonly B[], cfg: FleetConfig, opts: PlanInput<B>): FleetPlan {
  const { built, specs, notes } = chooseAndSize(beads, cfg, opts);
  const { items, warnings, waitsOn } = built;
  warnings.push(...notes);
  const sched = schedule(items, waitsOn, specs, { vramMiB: vramBudgetMiB(cfg.hardware), ramMiB: ramBudgetMiB(cfg.hardware), cores: usableCores(cfg.hardware) }, durationFn(cfg));
  // A server's command line is the one it first starts with; cores it gains later show in the waves.
  for (const [key, cores] of sched.firstCores) {
    const spec = specs.get(key)!;
    spec.cores = cores;
    spec.threads = Math.max(1, cores.length);
  }
  const ordered = [...sched.scheduled].sort((a, b) => a.start - b.start || (a.item.bead.id < b.item.bead.id ? -1 : 1));
  const waves: Wave[] = [];
  let k = 0;
  sched.phases.forEach((phase, index) => {
    const last = index === sched.phases.length - 1;
    const assignments: Assignment[] = [];
    while (k < ordered.length && (last || ordered[k]!.start < phase.end)) assignments.push(toAssignment(ordered[k++]!, specs, cfg));
    const cores = phase.servers.map((s) => {
      const held = phase.cores.get(s.key)!;
      const threads = Math.max(1, held.length);
      // The speed its beads run at in this phase (the schedule's durations use the same figure).
      const speed = speedAt(s, threads);
      return { server: s.id, threads, cpuCores: logicalCpus(held), tokensPerSecond: rs(speed.gen), promptTokensPerSecond: rs(speed.prompt) };
    });
    waves.push({ index, servers: phase.servers.map((s) => s.id), cores, assignments, estSeconds: r1(phase.end - phase.start) });
  });
  const used = new Set(sched.scheduled.map((s) => s.serverKey).filter((x): x is string => x !== null));
  const servers = [...specs.values()].filter((s) => used.has(s.key)).sort((a, b) => a.importance - b.importance || a.id.localeCompare(b.id));
  for (const s of servers) {
    if (s.shape.nCpuMoe > 0) warnings.push(`${s.model.name}: experts of ${s.shape.nCpuMoe} layers stay in RAM (--n-cpu-moe), so each token reads them over system memory (${s.speed.gen} tok/s ${s.speedSource})`);
    if (s.device === 'cpu' && s.speedSource === 'measured' && !s.measuredThreads) {
      warnings.push(`${s.model.name}: decode ${s.speed.gen} tok/s was measured at an unknown thread count (a speeds file from before the runtime recorded it), so it is used as is for the ${s.threads} threads the plan gives it and is not scaled when its cores change`);
    }
  }
  // Built to the FleetPlan type directly: a zod pass over 10,000 assignments would cost a fifth of the time budget.
  return {
    servers: servers.map((s) => toServerPlan(s, cfg)),
    waves,
    headroom: { vramMiB: r1(cfg.hardware.gpu.vramMiB - sched.peak.vramMiB), ramMiB: r1(cfg.hardware.ramMiB - sched.peak.ramMiB), cores: totalPhysicalCores(cfg.hardware) - sched.peak.cores },
    estWallSeconds: r1(sched.makespan),
    schedule: {
      makespanSeconds: r1(sched.makespan),
      lowerBoundSeconds: r1(sched.lowerBound),
      criticalPathSeconds: r1(sched.criticalPath),
      servers: servers.map((s) => ({ id: s.id, workBoundSeconds: r1(sched.workBound.get(s.key) ?? 0), utilisation: Math.round((sched.utilisation.get(s.key) ?? 0) * 1000) / 1000 })),
    },
    warnings,
  };
}
