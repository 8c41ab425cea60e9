// Human-readable text of a fleet plan: servers with command lines and memory, waves, headroom, wall time.
import type { FleetPlan } from './plan-schema.js';
import { formatCpuList, type HardwareProfile } from './hardware.js';
import { SEED_KV_MIB_PER_TOKEN } from './estimator.js';
import { formatTable } from '../cli/output.js';

/** Whole number with thousands commas, like toLocaleString('en-US'), without loading ICU's number formatting (a tenth of a re-plan's start-up). */
const n = (x: number): string => {
  const r = Math.round(x);
  if (!Number.isFinite(r) || Math.abs(r) >= 1e21) return r.toLocaleString('en-US');
  return Object.is(r, -0) ? '-0' : String(r).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
};

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = h ? [`${h} h`, `${m} min`] : m ? [`${m} min`, `${s % 60} s`] : [`${s % 60} s`];
  return parts.join(' ');
}

/** Most beads running at the same moment on GPU servers and on CPU servers. */
export function concurrency(plan: FleetPlan): { gpu: number; cpu: number } {
  const byId = new Map(plan.servers.map((s) => [s.id, s]));
  let gpu = 0;
  let cpu = 0;
  for (const w of plan.waves) {
    // Agents at once are seats in use: a server runs at most its slots together, however many beads the phase gives it.
    const perServer = new Map<string, number>();
    for (const a of w.assignments) perServer.set(a.target, (perServer.get(a.target) ?? 0) + 1);
    const seats = (d: 'gpu' | 'cpu'): number => {
      let n = 0;
      for (const [id, count] of perServer) {
        const server = byId.get(id);
        if (server?.device === d) n += Math.min(count, server.slots);
      }
      return n;
    };
    gpu = Math.max(gpu, seats('gpu'));
    cpu = Math.max(cpu, seats('cpu'));
  }
  return { gpu, cpu };
}

/** The one line a game developer reads first. */
export function headline(plan: FleetPlan): string {
  const { gpu, cpu } = concurrency(plan);
  const cloud = plan.waves.reduce((s, w) => s + w.assignments.filter((a) => a.target === 'cloud').length, 0);
  const beads = plan.waves.reduce((s, w) => s + w.assignments.length, 0);
  const agents = (k: number): string => `${k} agent${k === 1 ? '' : 's'}`;
  return `${agents(gpu)} at once on the GPU, ${agents(cpu)} on the CPU${cloud ? `, ${cloud} bead${cloud === 1 ? '' : 's'} in the cloud` : ''}: ${beads} bead${beads === 1 ? '' : 's'} in about ${roughDuration(plan.estWallSeconds)}.`;
}

/** A duration in the one unit a person would say: minutes up to 90, hours up to two days, then days. */
export function roughDuration(seconds: number): string {
  const unit = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes <= 90) return unit(minutes, 'minute');
  const hours = Math.round(seconds / 3600);
  if (hours <= 48) return unit(hours, 'hour');
  return unit(Math.round(seconds / 86400), 'day');
}

/** Cloud beads whose reason a wave lists in the text plan. */
const CLOUD_REASONS = 5;

/** `gth plan --explain`: the words the plan uses, for someone who makes games rather than runs models. */
export const PLAN_EXPLANATION = [
  'What the plan\'s words mean',
  '  slot: one agent\'s seat in a llama-server. A server with 6 slots (--parallel 6) works on 6 beads at once,',
  '    sharing one copy of the model; each slot has its own context (the tokens the agent can see).',
  '  schedule (waves): which servers run together. The GPU and CPU servers take the next ready bead as soon',
  '    as a slot frees; a bead waits only for the beads it depends on and for memory to start its server.',
  '    When a server has done its last bead and stops, its CPU cores go to the others: a CPU agent restarts',
  '    between beads with more threads ("cores re-assigned"), and decodes faster for it.',
  '  KV cache: the model\'s memory of the tokens in each slot, in VRAM. It grows with slots x context;',
  '    quantized (-ctk q8_0 -ctv q4_0) it takes about a third of f16, so more slots fit.',
  '  -ngl: how many layers sit on the GPU. The plan puts all of them there (layers + 1 includes the output head);',
  '    a layer left in RAM is read over the much slower system memory for every token.',
  '  --n-cpu-moe: for mixture-of-experts models, keeps the experts of the first N layers in RAM. The model then',
  '    fits a 10 GB card, but each token reads those experts over system memory, so it decodes slower; the plan',
  '    picks the slots / experts trade-off with the highest total tokens per second.',
  '  tok/s (derived): memory bandwidth / bytes read per token x efficiency; (measured): from gth calibrate --speed',
  '    or the running servers; no figure is above the bandwidth bound.',
].join('\n');

export function renderPlan(plan: FleetPlan, h: HardwareProfile, source: string): string {
  const out: string[] = [];
  const c = h.cpu;
  out.push(
    headline(plan),
    '',
    `Fleet plan (${source})`,
    `  GPU ${h.gpu.name}: ${n(h.gpu.vramMiB)} MiB, ${n(h.gpu.desktopReserveMiB)} MiB kept for the desktop, ${n(h.gpu.safetyMarginMiB)} MiB safety margin for estimate error; ${h.gpu.memoryBandwidthGBps} GB/s`,
    `  CPU ${c.name}: ${c.pCores} P-cores x ${c.threadsPerPCore} threads + ${c.eCores} E-cores, ${c.reservedPCores} P-cores kept for the human; RAM ${n(h.ramMiB)} MiB (${n(h.ramReserveMiB)} reserved), ${h.ramBandwidthGBps} GB/s; decode efficiency ${h.decodeEfficiency} of the bandwidth bound`,
    '',
    `Servers (${plan.servers.length})`,
  );
  if (!plan.servers.length) out.push('  none: every bead goes to the cloud');
  for (const s of plan.servers) {
    out.push(
      `  ${s.id}: ${s.model} on ${s.device.toUpperCase()}, ${s.slots} slot${s.slots > 1 ? 's' : ''} x ${n(s.ctxPerSlot)} tokens, ` +
        `VRAM ${n(s.vramMiB)} MiB, RAM ${n(s.ramMiB)} MiB, ${s.threads} thread${s.threads > 1 ? 's' : ''}, roles: ${s.roles.join(', ')}`,
      `    speed: decode ${s.tokensPerSecond} tok/s per slot (${s.tokensPerSecondSource}${s.tokensPerSecondBound ? `; bandwidth bound ${s.tokensPerSecondBound}` : ''}), prompt ${s.promptTokensPerSecond ?? '?'} tok/s (${s.promptTokensPerSecondSource ?? 'catalog'})`,
    );
    const e = s.estimate;
    if (e) {
      const where = s.device === 'gpu' ? 'VRAM' : 'RAM';
      const weights = s.device === 'gpu' ? e.weightsVramMiB : e.weightsRamMiB;
      out.push(
        `    ${where}: weights ${n(weights)} + KV ${n(e.kvMiB)} + compute ${n(e.computeMiB)} + ${s.device === 'gpu' ? 'CUDA' : 'process'} ${n(e.overheadMiB)} MiB` +
          (e.cacheRamMiB ? `; prompt cache up to ${n(e.cacheRamMiB)} MiB of RAM (--cache-ram)` : '') +
          (s.nCpuMoe ? `; experts of ${s.nCpuMoe} layers in RAM (${n(e.weightsRamMiB)} MiB)` : ''),
        `    KV per token: ${e.kvMiBPerToken.toFixed(4)} MiB with ${s.cacheTypeK}/${s.cacheTypeV} (f16: ${e.kvMiBPerTokenF16.toFixed(4)}); ` +
          `seed's rule ${SEED_KV_MIB_PER_TOKEN} MiB/token would reserve ${n(e.seedRuleKvMiB)} MiB, computed ${n(e.kvMiB)} MiB`,
      );
    }
    out.push(`    $ ${s.commandLine}`);
  }
  out.push('', `Schedule: each server starts its next ready bead as soon as a slot frees; ${plan.waves.length} wave${plan.waves.length === 1 ? '' : 's'} (a wave ends when a server starts or stops)`);
  // Cores a server holds, to show when a server that stopped for good hands its cores to another.
  const held = new Map<string, { threads: number; cpuCores: number[]; tokensPerSecond?: number }>(plan.servers.map((s) => [s.id, s]));
  for (const w of plan.waves) {
    out.push(`  wave ${w.index}: ${w.servers.length ? w.servers.join(' + ') : 'cloud only'}, about ${formatDuration(w.estSeconds)}`);
    for (const c of w.cores ?? []) {
      const was = held.get(c.server);
      if (was && was.cpuCores.join(',') !== c.cpuCores.join(',')) {
        const speed = c.tokensPerSecond !== undefined && was.tokensPerSecond !== undefined && c.tokensPerSecond !== was.tokensPerSecond ? `; decode ${c.tokensPerSecond} tok/s per slot (was ${was.tokensPerSecond})` : '';
        out.push(`    cores re-assigned: ${c.server} now ${c.threads} thread${c.threads > 1 ? 's' : ''} on CPUs ${formatCpuList(c.cpuCores) || 'unpinned'} (was ${was.threads} on ${formatCpuList(was.cpuCores) || 'unpinned'}), freed by a server that stopped${speed}`);
      }
      held.set(c.server, c);
    }
    const rows = w.assignments.map((a) => [a.beadId, a.role, a.target, a.model, a.promptTokens, formatDuration(a.startSeconds ?? 0), formatDuration(a.estSeconds)]);
    if (rows.length) out.push(...formatTable(['bead', 'role', 'server', 'model', 'prompt', 'starts at', 'time'], rows).split('\n').map((l) => `    ${l}`));
    // Why a bead left the local fleet (a rule, or no local model holding its prompt): the first few, the rest in --json.
    const cloud = w.assignments.filter((a) => a.target === 'cloud');
    for (const a of cloud.slice(0, CLOUD_REASONS)) out.push(`    to the cloud: ${a.beadId}: ${a.reason}`);
    if (cloud.length > CLOUD_REASONS) out.push(`    to the cloud: ${cloud.length - CLOUD_REASONS} more (gth plan --json gives each bead's reason)`);
  }
  const sc = plan.schedule;
  if (sc) {
    out.push(
      `  makespan ${formatDuration(sc.makespanSeconds)}; lower bound ${formatDuration(sc.lowerBoundSeconds)} (critical path ${formatDuration(sc.criticalPathSeconds)}; the busiest server's work over its slots ${formatDuration(Math.max(0, ...sc.servers.map((x) => x.workBoundSeconds)))})`,
      `  utilisation: ${sc.servers.map((x) => `${x.id} ${Math.round(x.utilisation * 100)}%`).join(', ') || 'no local servers'}`,
    );
  }
  const hr = plan.headroom;
  out.push(
    '',
    `Desktop headroom at the busiest moment: VRAM ${n(hr.vramMiB)} MiB, RAM ${n(hr.ramMiB)} MiB, ${hr.cores} physical cores`,
    `Estimated wall time: ${formatDuration(plan.estWallSeconds)} (decode tokens/s ${plan.servers.some((s) => s.tokensPerSecondSource === 'measured') ? 'measured where available, else derived from bandwidth' : 'derived from memory bandwidth until measured'})`,
  );
  if (plan.notes?.length) out.push('', 'Notes', ...plan.notes.map((w) => `  - ${w}`));
  if (plan.warnings.length) out.push('', 'Warnings', ...plan.warnings.map((w) => `  - ${w}`));
  return out.join('\n');
}
