// Human-readable text of a fleet plan: servers with command lines and memory, waves, headroom, wall time.
import type { FleetPlan } from './plan-schema.js';
import type { HardwareProfile } from './hardware.js';
import { SEED_KV_MIB_PER_TOKEN } from './estimator.js';
import { formatTable } from '../cli/output.js';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = h ? [`${h} h`, `${m} min`] : m ? [`${m} min`, `${s % 60} s`] : [`${s % 60} s`];
  return parts.join(' ');
}

export function renderPlan(plan: FleetPlan, h: HardwareProfile, source: string): string {
  const out: string[] = [];
  const c = h.cpu;
  out.push(
    `Fleet plan (${source})`,
    `  GPU ${h.gpu.name}: ${n(h.gpu.vramMiB)} MiB, ${n(h.gpu.desktopReserveMiB)} MiB kept for the desktop`,
    `  CPU ${c.name}: ${c.pCores} P-cores x ${c.threadsPerPCore} threads + ${c.eCores} E-cores, ${c.reservedPCores} P-cores kept for the human; RAM ${n(h.ramMiB)} MiB (${n(h.ramReserveMiB)} reserved)`,
    '',
    `Servers (${plan.servers.length})`,
  );
  if (!plan.servers.length) out.push('  none: every bead goes to the cloud');
  for (const s of plan.servers) {
    out.push(
      `  ${s.id}: ${s.model} on ${s.device.toUpperCase()}, ${s.slots} slot${s.slots > 1 ? 's' : ''} x ${n(s.ctxPerSlot)} tokens, ` +
        `VRAM ${n(s.vramMiB)} MiB, RAM ${n(s.ramMiB)} MiB, ${s.threads} thread${s.threads > 1 ? 's' : ''}, ${s.tokensPerSecond} tok/s (${s.tokensPerSecondSource}), roles: ${s.roles.join(', ')}`,
    );
    const e = s.estimate;
    if (e) {
      const where = s.device === 'gpu' ? 'VRAM' : 'RAM';
      const weights = s.device === 'gpu' ? e.weightsVramMiB : e.weightsRamMiB;
      out.push(
        `    ${where}: weights ${n(weights)} + KV ${n(e.kvMiB)} + compute ${n(e.computeMiB)} + ${s.device === 'gpu' ? 'CUDA' : 'process'} ${n(e.overheadMiB)} MiB` +
          (s.nCpuMoe ? `; experts of ${s.nCpuMoe} layers in RAM (${n(e.weightsRamMiB)} MiB)` : ''),
        `    KV per token: ${e.kvMiBPerToken.toFixed(4)} MiB with ${s.cacheTypeK}/${s.cacheTypeV} (f16: ${e.kvMiBPerTokenF16.toFixed(4)}); ` +
          `seed's rule ${SEED_KV_MIB_PER_TOKEN} MiB/token would reserve ${n(e.seedRuleKvMiB)} MiB, computed ${n(e.kvMiB)} MiB`,
      );
    }
    out.push(`    $ ${s.commandLine}`);
  }
  out.push('', `Waves (${plan.waves.length})`);
  for (const w of plan.waves) {
    out.push(`  wave ${w.index}: ${w.servers.length ? w.servers.join(' + ') : 'cloud only'}, about ${formatDuration(w.estSeconds)}`);
    const rows = w.assignments.map((a) => [a.beadId, a.role, a.target, a.model, a.promptTokens, formatDuration(a.estSeconds)]);
    out.push(...formatTable(['bead', 'role', 'server', 'model', 'prompt', 'time'], rows).split('\n').map((l) => `    ${l}`));
  }
  const hr = plan.headroom;
  out.push(
    '',
    `Desktop headroom at the busiest wave: VRAM ${n(hr.vramMiB)} MiB, RAM ${n(hr.ramMiB)} MiB, ${hr.cores} physical cores`,
    `Estimated wall time: ${formatDuration(plan.estWallSeconds)} (tokens/s from ${plan.servers.some((s) => s.tokensPerSecondSource === 'measured') ? 'measurements where available, else the catalog' : 'the catalog until measured'})`,
  );
  if (plan.warnings.length) out.push('', 'Warnings', ...plan.warnings.map((w) => `  - ${w}`));
  return out.join('\n');
}
