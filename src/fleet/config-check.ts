// Cross-field checks of hardware, catalog and switcher: unknown models, contexts past training, threads past cores.
import type { HardwareProfile } from './hardware.js';
import { usableCores } from './hardware.js';
import type { Catalog, ModelEntry } from './catalog-schema.js';
import type { SwitcherConfig } from './switcher-schema.js';

/** "unknown model" message that points at the real model when the name is one of the seed's made-up ones. */
export function unknownModelMessage(name: string, catalog: Catalog): string {
  const lower = name.toLowerCase();
  const stand = catalog.find((m) => m.replaces.some((r) => r.toLowerCase() === lower));
  const hint = stand ? ` (it does not exist; use "${stand.name}", which replaces it)` : '';
  return `unknown model "${name}"${hint}; the catalog has: ${catalog.map((m) => m.name).join(', ')}`;
}

export function findModel(catalog: Catalog, name: string): ModelEntry | undefined {
  return catalog.find((m) => m.name === name);
}

/** Free physical cores of a class for agents (P-cores minus the human's). */
export function freeCoresOfClass(h: HardwareProfile, cls: 'p' | 'e'): number {
  return usableCores(h).filter((c) => c.cls === cls).length;
}

/** Returns "path: message" strings; empty when the three sections agree. */
export function checkFleetConfig(h: HardwareProfile, catalog: Catalog, s: SwitcherConfig): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  catalog.forEach((m, i) => {
    if (seen.has(m.name)) out.push(`catalog[${i}].name: duplicate model "${m.name}"`);
    seen.add(m.name);
    if (m.fallback !== undefined && !findModel(catalog, m.fallback)) {
      out.push(`catalog[${i}].fallback: ${unknownModelMessage(m.fallback, catalog)}`);
    }
    if (m.arch.moe && m.arch.moe.used > m.arch.moe.count) {
      out.push(`catalog[${i}].arch.moe.used: ${m.arch.moe.used} active experts but only ${m.arch.moe.count} exist`);
    }
  });
  s.rules.forEach((r, i) => {
    const at = `switcher.rules[${i}]`;
    if (r.device === 'cloud') return;
    const m = findModel(catalog, r.model);
    if (!m) {
      out.push(`${at}.model: ${unknownModelMessage(r.model, catalog)}`);
      return;
    }
    if (!m.speed[r.device]) out.push(`${at}.device: model "${m.name}" has no ${r.device} speed in the catalog (catalog ${m.name}.speed.${r.device})`);
    const output = s.outputTokens[r.role] ?? 0;
    if (r.maxPromptTokens !== undefined && r.maxPromptTokens + output > m.arch.contextLength) {
      out.push(
        `${at}.maxPromptTokens: ${r.maxPromptTokens} prompt + ${output} output tokens exceeds the trained context of ${m.name} (${m.arch.contextLength})`,
      );
    }
    if (r.device === 'cpu' && !s.cpuAgents[r.role]) out.push(`${at}.role: a cpu rule needs switcher.cpuAgents.${r.role} (core class and count)`);
  });
  const usable = usableCores(h).length;
  for (const [role, agent] of Object.entries(s.cpuAgents)) {
    if (!agent) continue;
    const free = freeCoresOfClass(h, agent.coreClass);
    const label = agent.coreClass === 'p' ? `P-cores are free (${h.cpu.pCores} minus ${h.cpu.reservedPCores} kept for the human)` : 'E-cores exist';
    if (agent.cores > free) out.push(`switcher.cpuAgents.${role}.cores: ${agent.cores} threads but only ${free} ${label}`);
    if (agent.minCores > agent.cores) out.push(`switcher.cpuAgents.${role}.minCores: ${agent.minCores} is more than cores (${agent.cores})`);
  }
  if (s.gpuServerThreads > usable) out.push(`switcher.gpuServerThreads: ${s.gpuServerThreads} threads but only ${usable} cores are free for agents`);
  if (s.moeServerThreads > usable) out.push(`switcher.moeServerThreads: ${s.moeServerThreads} threads but only ${usable} cores are free for agents`);
  return out;
}

/** Measured speeds must name catalog models; returns "measured.<name>: ..." problems. */
export function checkMeasured(measured: Record<string, unknown>, catalog: Catalog): string[] {
  return Object.keys(measured)
    .filter((name) => !findModel(catalog, name))
    .map((name) => `measured.${name}: ${unknownModelMessage(name, catalog)}`);
}
