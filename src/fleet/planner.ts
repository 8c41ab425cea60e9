// Plans the fleet for a set of beads: model per bead, llama-server shapes, waves, headroom and wall time. Pure: no I/O.
import type { Bead } from '../beads/schema.js';
import { GthError } from '../util/errors.js';
import type { Assignment, FleetPlan, ServerPlan, Wave } from './plan-schema.js';
import type { FleetConfig } from './config.js';
import { ramBudgetMiB, totalPhysicalCores, usableCores, vramBudgetMiB } from './hardware.js';
import { estimatePromptTokens, type RigTokens } from './prompt-tokens.js';
import { chooseModel, roleOf } from './switcher.js';
import { levelsOf } from './levels.js';
import { isMisfit, roundCtx, sizeServer } from './server-sizing.js';
import { assignCores, importanceOf, loadSecondsFor, slug, speedFor, threadPlan, type Measured, type ServerSpec } from './server-spec.js';
import { packWaves, type WaveDraft, type WorkItem } from './waves.js';
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

/** Statuses that still need work; done and cancelled beads are not planned. */
const OPEN = new Set(['open', 'in_progress', 'blocked', 'review', 'failed']);

export class FleetFitError extends GthError {
  constructor(message: string) {
    super(message);
    this.name = 'FleetFitError';
  }
}

function buildItems(beads: readonly Bead[], cfg: FleetConfig, opts: PlanOptions): { items: WorkItem[]; levelCount: number; warnings: string[] } {
  const planned = beads.filter((b) => OPEN.has(b.status) && b.type !== 'epic');
  const all = new Map(beads.map((b) => [b.id, b]));
  const { level, count, warnings } = levelsOf(planned, all);
  const unhealthy = new Set(opts.unhealthy ?? []);
  const items = planned.map((bead): WorkItem => {
    const role = roleOf(bead);
    const promptTokens = estimatePromptTokens(bead, cfg.switcher.prompt, opts.rig, opts.count).tokens;
    const choice = chooseModel(role, promptTokens, cfg.switcher, cfg.catalog, unhealthy);
    const serverKey = choice.device === 'cloud' ? null : `${choice.device}:${choice.model.name}`;
    return { bead, role, promptTokens, outputTokens: cfg.switcher.outputTokens[role] ?? 0, choice, level: level.get(bead.id)!, serverKey };
  });
  return { items, levelCount: count, warnings };
}

function buildSpecs(items: readonly WorkItem[], cfg: FleetConfig, opts: PlanOptions): Map<string, ServerSpec> {
  const groups = new Map<string, WorkItem[]>();
  for (const i of items) {
    if (!i.serverKey) continue;
    const g = groups.get(i.serverKey);
    if (g) g.push(i);
    else groups.set(i.serverKey, [i]);
  }
  const specs = new Map<string, ServerSpec>();
  const misfits: string[] = [];
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
      misfits.push(fitErrorMessage(model, device, sized, cfg, ctxPerSlot));
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
      importance: importanceOf(roles),
      speed: resolved.speed,
      speedSource: resolved.source,
      promptSpeedSource: resolved.promptSource,
      boundGen: resolved.boundGen,
      loadSeconds: loadSecondsFor(model, cfg.hardware),
    });
  }
  if (misfits.length) throw new FleetFitError(misfits.join('\n'));
  assignCores([...specs.values()], usableCores(cfg.hardware), cfg.switcher);
  for (const spec of specs.values()) {
    // Derived and catalog CPU speeds assume the configured core count saturates RAM; fewer cores decode proportionally slower.
    const want = threadPlan(spec.device, spec.roles, 0, cfg.switcher).want;
    if (spec.device === 'cpu' && spec.speedSource !== 'measured' && spec.threads < want) {
      spec.speed = { gen: spec.speed.gen * (spec.threads / want), prompt: spec.speed.prompt * (spec.threads / want) };
    }
  }
  return specs;
}

/** Seconds for one bead: prompt shared by the active slots, decode slowed per doubling of slots. */
function beadSeconds(i: WorkItem, gen: number, prompt: number, active: number, efficiency: number): number {
  const perSlotGen = gen * Math.pow(efficiency, Math.log2(Math.max(1, active)));
  const perSlotPrompt = prompt / Math.max(1, active);
  return i.promptTokens / perSlotPrompt + i.outputTokens / perSlotGen;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

function toServerPlan(spec: ServerSpec, cfg: FleetConfig): ServerPlan {
  const cpuCores = spec.cores.flatMap((c) => c.logical).sort((a, b) => a - b);
  const args = llamaServerArgs({
    modelPath: modelPath(cfg.hardware.modelsDir, spec.model.file),
    alias: spec.model.name,
    shape: spec.shape,
    gpuLayers: spec.gpuLayers,
    threads: spec.threads,
    cpuCores,
  });
  const e = spec.estimate;
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
    tokensPerSecond: spec.speed.gen,
    tokensPerSecondSource: spec.speedSource,
    tokensPerSecondBound: spec.boundGen,
    promptTokensPerSecond: spec.speed.prompt,
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

function toWave(draft: WaveDraft, index: number, previous: ReadonlySet<string>, cfg: FleetConfig): Wave {
  const eff = cfg.switcher.parallelEfficiency;
  const active = new Map<string, number>();
  for (const { server } of draft.local) active.set(server.key, (active.get(server.key) ?? 0) + 1);
  const assignments: Assignment[] = [];
  for (const { item, server } of draft.local) {
    const secs = beadSeconds(item, server.speed.gen, server.speed.prompt, active.get(server.key)!, eff);
    assignments.push({ beadId: item.bead.id, role: item.role, target: server.id, model: server.model.name, promptTokens: item.promptTokens, estSeconds: r1(secs), reason: item.choice.reason });
  }
  const cloud = cfg.switcher.cloudSpeed;
  for (const item of draft.cloud) {
    const name = item.choice.device === 'cloud' ? item.choice.modelName : cfg.switcher.cloudFallbackModel;
    const secs = beadSeconds(item, cloud.gen, cloud.prompt, 1, 1);
    assignments.push({ beadId: item.bead.id, role: item.role, target: 'cloud', model: name, promptTokens: item.promptTokens, estSeconds: r1(secs), reason: item.choice.reason });
  }
  const load = Math.max(0, ...draft.servers.filter((s) => !previous.has(s.id)).map((s) => s.loadSeconds));
  const work = Math.max(0, ...assignments.map((a) => a.estSeconds));
  return { index, servers: draft.servers.map((s) => s.id), assignments, estSeconds: r1(load + work) };
}

/** The whole plan; throws FleetFitError when a needed model cannot fit the profile at all. */
export function planFleet(beads: readonly Bead[], cfg: FleetConfig, opts: PlanOptions = {}): FleetPlan {
  const { items, levelCount, warnings } = buildItems(beads, cfg, opts);
  const specs = buildSpecs(items, cfg, opts);
  const byLevel: WorkItem[][] = Array.from({ length: Math.max(0, levelCount) }, () => []);
  for (const i of items) byLevel[i.level]!.push(i);
  const drafts = packWaves(byLevel, specs, { vramMiB: vramBudgetMiB(cfg.hardware), ramMiB: ramBudgetMiB(cfg.hardware) });
  const waves: Wave[] = [];
  let previous = new Set<string>();
  let peakVram = 0;
  let peakRam = 0;
  let peakCores = 0;
  for (const d of drafts) {
    const w = toWave(d, waves.length, previous, cfg);
    waves.push(w);
    previous = new Set(w.servers);
    peakVram = Math.max(peakVram, d.servers.reduce((s, x) => s + x.estimate.vramMiB, 0));
    peakRam = Math.max(peakRam, d.servers.reduce((s, x) => s + x.estimate.ramMiB, 0));
    peakCores = Math.max(peakCores, d.servers.reduce((s, x) => s + x.cores.length, 0));
  }
  const used = new Set(drafts.flatMap((d) => d.servers.map((s) => s.key)));
  const servers = [...specs.values()].filter((s) => used.has(s.key)).sort((a, b) => a.importance - b.importance || a.id.localeCompare(b.id));
  for (const s of servers) {
    if (s.shape.nCpuMoe > 0) warnings.push(`${s.model.name}: experts of ${s.shape.nCpuMoe} layers stay in RAM (--n-cpu-moe), so it decodes at CPU-bound speed`);
  }
  // Built to the FleetPlan type directly: a zod pass over 10,000 assignments would cost a fifth of the time budget.
  return {
    servers: servers.map((s) => toServerPlan(s, cfg)),
    waves,
    headroom: { vramMiB: r1(cfg.hardware.gpu.vramMiB - peakVram), ramMiB: r1(cfg.hardware.ramMiB - peakRam), cores: totalPhysicalCores(cfg.hardware) - peakCores },
    estWallSeconds: r1(waves.reduce((s, w) => s + w.estSeconds, 0)),
    warnings,
  };
}
