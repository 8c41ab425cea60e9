// `gth run-epic --dry-run`: how far the run would get with no keys and no servers, and what it would send and cost.
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { countTokens } from 'gpt-tokenizer';
import type { Role } from '../../beads/schema.js';
import { BeadStore } from '../../beads/store.js';
import { loadRawConfig } from '../../config/load.js';
import { loadCostConfig, pricesPathFor } from '../../cost/config.js';
import { loadPrices, modelPrice, tokenCost } from '../../cost/prices.js';
import { runPlan } from '../../fleet/plan-run.js';
import { loadProvidersConfig } from '../../providers/config.js';
import type { ChatMessage } from '../../providers/types.js';
import { loadRuntimeSettings } from '../../runtime/config.js';
import { readServerEndpoints } from '../../runtime/state-store.js';
import { UsageError } from '../../util/errors.js';
import { loadRigConfig, type LoadedRig } from '../rig/load.js';
import { crewMessages } from './crew.js';
import { crewPlanningQuestion, epicFromText, mayorMessages } from './mayor.js';
import { rigGit } from './rig-git.js';

/** Answer sizes assumed for the estimate (a Crew answer is a paragraph; a plan is a document plus beads, and the Mayor thinks hard). */
export const ASSUMED_OUTPUT = { crew: { completion: 400, thinking: 1_000 }, mayor: { completion: 3_000, thinking: 8_000 } } as const;

export interface DryRunOptions {
  epicText: string;
  rigDir: string;
  townDir: string;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  brief: (role: Role, rig: LoadedRig) => string;
}

export interface DryRunPrompt {
  role: Role;
  what: string;
  model: string;
  where: 'cloud' | 'local';
  promptTokens: number;
  /** Cloud calls only: the estimate with the assumed answer size. */
  estUsd: number | null;
}

export interface DryRunReport {
  epic: { title: string; key: string };
  convoy: { id: string; resumed: true } | { id: null; resumed: false };
  fleet: { source: string; servers: { id: string; model: string; device: string; slots: number; ctxPerSlot: number; commandLine: string }[]; warnings: string[] };
  prompts: DryRunPrompt[];
  cloudUsd: number;
  assumptions: string;
  /** Where a real run would stop now, and what it needs there; empty when nothing is missing. */
  stops: { at: string; missing: string }[];
}

const tokensOf = (messages: ChatMessage[]) => messages.reduce((n, m) => n + countTokens(m.content) + 4, 0);

export async function dryRunEpic(o: DryRunOptions): Promise<DryRunReport> {
  const env = o.env ?? process.env;
  const epic = epicFromText(o.epicText);
  const rigDir = resolve(o.rigDir);
  if (!existsSync(rigDir) || !(await rigGit(rigDir).isRepo())) throw new UsageError(`--rig ${rigDir} is not a git repository`);
  const rig = loadRigConfig(rigDir);
  const raw = loadRawConfig(o.configFile, env, o.townDir);
  const providers = loadProvidersConfig(raw);
  const prices = loadPrices(pricesPathFor(loadCostConfig(raw), raw, o.townDir));
  const stateDir = loadRuntimeSettings(raw, env, o.townDir).stateDir;
  const store = new BeadStore({ dir: join(o.townDir, 'beads'), env });
  const convoy = (await store.listConvoys()).find((c) => c.epicKey === epic.key) ?? null;

  const prompts: DryRunPrompt[] = [];
  const cloud = (role: 'crew' | 'mayor', what: string, messages: ChatMessage[]) => {
    const model = providers.gemini.models[role];
    const promptTokens = tokensOf(messages);
    const estUsd = tokenCost(modelPrice(prices, model, `the ${role}'s estimate`), { prompt: promptTokens, cached: 0, ...ASSUMED_OUTPUT[role] });
    prompts.push({ role, what, model, where: 'cloud', promptTokens, estUsd });
  };
  if (!convoy) {
    const question = crewPlanningQuestion(epic, 'the epic file');
    cloud('crew', 'what in the rig relates to the epic', crewMessages(rig, question, o.brief));
    // The Mayor's prompt holds the Crew's answer, which does not exist yet: a placeholder of the assumed size stands in.
    const placeholder = { answer: 'x '.repeat(ASSUMED_OUTPUT.crew.completion).trim(), found: true, citations: ['README.md'] };
    cloud('mayor', 'the plan and the beads', mayorMessages({ rigs: [rig], crew: [{ rig: rig.config.name, question, answer: placeholder }], brief: o.brief, epic }));
  }
  // The local fleet: sized for the convoy's beads when it is planned, else for the sample convoy (the Mayor's beads do not exist yet).
  const run = await runPlan({ beadsDir: convoy ? join(o.townDir, 'beads') : undefined, rigDir, configFile: o.configFile, env, cwd: o.townDir });
  const inConvoy = new Set(convoy?.beads ?? []);
  for (const wave of run.plan.waves) {
    for (const a of wave.assignments) {
      if (convoy && !inConvoy.has(a.beadId)) continue;
      prompts.push({ role: a.role, what: `bead ${a.beadId}${convoy ? '' : ' (sample)'}`, model: a.model, where: a.target.startsWith('cloud') ? 'cloud' : 'local', promptTokens: a.promptTokens, estUsd: null });
    }
  }

  const stops: DryRunReport['stops'] = [];
  const keyVar = providers.gemini.apiKeyEnv;
  if (!convoy && !env[keyVar]) stops.push({ at: 'the Crew, before the Mayor plans', missing: `${keyVar} is not set (the Crew and the Mayor run on Gemini)` });
  const running = new Set(readServerEndpoints(stateDir).map((s) => s.model));
  const notRunning = [...new Set(run.plan.servers.map((s) => s.model))].filter((m) => !running.has(m));
  if (notRunning.length) stops.push({ at: 'the first local job (tests first)', missing: `no llama-server running for ${notRunning.join(', ')} (start them with gth runtime up)` });

  return {
    epic: { title: epic.title, key: epic.key },
    convoy: convoy ? { id: convoy.id, resumed: true } : { id: null, resumed: false },
    fleet: {
      source: convoy ? `convoy ${convoy.id}` : run.source,
      servers: run.plan.servers.map((s) => ({ id: s.id, model: s.model, device: s.device, slots: s.slots, ctxPerSlot: s.ctxPerSlot, commandLine: s.commandLine })),
      warnings: run.plan.warnings,
    },
    prompts,
    cloudUsd: prompts.reduce((n, p) => n + (p.estUsd ?? 0), 0),
    assumptions: `answers of ${ASSUMED_OUTPUT.crew.completion} tokens (+${ASSUMED_OUTPUT.crew.thinking} thinking) for the Crew and ${ASSUMED_OUTPUT.mayor.completion} (+${ASSUMED_OUTPUT.mayor.thinking} thinking) for the Mayor; prices from ${prices.file}; local calls cost electricity only`,
    stops,
  };
}

export function renderDryRun(r: DryRunReport): string {
  const out: string[] = [`dry run for "${r.epic.title}"${r.convoy.resumed ? ` (resumes convoy ${r.convoy.id})` : ''}: nothing is written, no model is called`, ''];
  out.push(`fleet (${r.fleet.source}):`);
  for (const s of r.fleet.servers) out.push(`  ${s.id}: ${s.model} on ${s.device}, ${s.slots} slot(s) x ${s.ctxPerSlot} tokens`, `    ${s.commandLine}`);
  if (!r.fleet.servers.length) out.push('  (no local server)');
  for (const w of r.fleet.warnings) out.push(`  warning: ${w}`);
  out.push('', 'prompts:');
  for (const p of r.prompts) out.push(`  ${p.role.padEnd(9)} ${p.what.padEnd(40)} ${String(p.promptTokens).padStart(7)} tokens -> ${p.where}:${p.model}${p.estUsd !== null ? `  ~$${p.estUsd.toFixed(4)}` : ''}`);
  out.push('', `cloud cost estimate: $${r.cloudUsd.toFixed(4)} (${r.assumptions})`, '');
  if (r.stops.length) {
    out.push('a real run would stop now:');
    for (const s of r.stops) out.push(`  at ${s.at}: ${s.missing}`);
  } else out.push('nothing is missing: a real run can start.');
  return `${out.join('\n')}\n`;
}
