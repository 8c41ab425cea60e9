// `gth runtime up|down|status`: start the planned llama-servers, stop them from any shell, show their state.
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { execa } from 'execa';
import { loadRawConfig } from '../../config/load.js';
import { FleetPlan, type ServerPlan } from '../../fleet/plan-schema.js';
import { runPlan } from '../../fleet/plan-run.js';
import { GthError, UsageError } from '../../util/errors.js';
import { tryListen } from '../../runtime/preflight.js';
import { createLogger } from '../../util/logger.js';
import { loadRuntimeSettings, type RuntimeSettings } from '../../runtime/config.js';
import { runtimeDown, runtimeStatus, type RuntimeStatus } from '../../runtime/control.js';
import { Supervisor } from '../../runtime/supervisor.js';
import { requestSwap, serveSwapRequests } from '../../runtime/swap-channel.js';
import { isAlive, logsDir, readSupervisorState, runtimeDir, writeJsonAtomic } from '../../runtime/state-store.js';
import { printJson, printTable } from '../output.js';
import { loadFleetConfig } from '../../fleet/config.js';
import { createLedgerMeter } from '../../cost/index.js';
import { NvidiaSmi } from '../../runtime/gpu.js';
import { EndpointConfig, checkExposure, listenError, resolveEndpointKeys, startFleetEndpoint, listModelNames, modelLimits, type FleetEndpoint } from '../../runtime/endpoint/index.js';
import { CLIENT_TOOLS, clientSnippet, type ClientTool } from '../../runtime/endpoint/client-config.js';
import { readEndpointState, removeEndpointState, writeEndpointState } from '../../runtime/endpoint/state.js';
import { standbyServers } from '../../runtime/endpoint/standby.js';
import { serverInWave } from '../../fleet/wave-servers.js';

interface UpFlags {
  plan?: string;
  beads?: string;
  rig?: string;
  config?: string;
  wave?: string;
  server?: string[];
  detach?: boolean;
  json?: boolean;
  /** --no-endpoint sets false. */
  endpoint?: boolean;
  host?: string;
  port?: string;
}


/** The variable a client should read the key from: $GTH_ENDPOINT_KEY, else the first configured one; null when none is asked for. */
function keyVariableOf(e: EndpointConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.GTH_ENDPOINT_KEY) return 'GTH_ENDPOINT_KEY';
  return Object.values(e.keys)[0] ?? null;
}

/** Fails naming the setting and the way out when the endpoint could not listen (port taken, host not this machine's). */
async function endpointCanListen(e: EndpointConfig): Promise<void> {
  const err = await tryListen(e.port, e.host);
  if (err) throw listenError(e.host, e.port, err);
}

/** runtime.endpoint from gastown.yml with --host/--port/--no-endpoint applied. */
export function endpointSettings(base: EndpointConfig, flags: Pick<UpFlags, 'endpoint' | 'host' | 'port'>): EndpointConfig {
  const port = flags.port === undefined ? base.port : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number 0-65535, got '${flags.port}'`);
  return { ...base, enabled: flags.endpoint === false ? false : base.enabled, host: flags.host ?? base.host, port };
}

const readyMarker = (stateDir: string): string => join(runtimeDir(stateDir), 'up-ready.json');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readPlanFile(file: string): FleetPlan {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`--plan: file not found: ${path}`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--plan ${path}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = FleetPlan.safeParse(data);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--plan ${path}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

/** --server ids, else the servers of --wave (default 0), else every server in the plan. */
export function selectServers(plan: FleetPlan, wave: number | undefined, ids: string[] | undefined): ServerPlan[] {
  const byId = new Map(plan.servers.map((s) => [s.id, s]));
  if (ids && ids.length) {
    const unknown = ids.filter((id) => !byId.has(id));
    if (unknown.length) throw new UsageError(`--server: unknown server id(s) ${unknown.join(', ')}; the plan has ${[...byId.keys()].join(', ') || 'none'}`);
    return ids.map((id) => byId.get(id)!);
  }
  if (plan.waves.length === 0) return plan.servers;
  const index = wave ?? 0;
  const w = plan.waves.find((x) => x.index === index);
  if (!w) throw new UsageError(`--wave ${index}: the plan has waves ${plan.waves.map((x) => x.index).join(', ')}`);
  return w.servers.map((id) => {
    const s = byId.get(id);
    if (!s) throw new GthError(`plan: wave ${index} names server ${id}, which is not in plan.servers`);
    // With the threads and CPUs the schedule gave it in this wave (a stopped server's cores re-assigned).
    return serverInWave(s, w);
  });
}

async function plannedAll(flags: UpFlags, wave: number | undefined): Promise<{ servers: ServerPlan[]; all: ServerPlan[] }> {
  const plan = flags.plan ? readPlanFile(flags.plan) : (await runPlan({ beadsDir: flags.beads, rigDir: flags.rig, configFile: flags.config })).plan;
  const servers = selectServers(plan, wave, flags.server);
  if (servers.length === 0) throw new UsageError('the plan has no local servers to start for this selection');
  return { servers, all: plan.servers };
}

async function planned(flags: UpFlags, wave: number | undefined): Promise<ServerPlan[]> {
  return (await plannedAll(flags, wave)).servers;
}

function settingsFor(configFile: string | undefined): RuntimeSettings {
  return loadRuntimeSettings(loadRawConfig(configFile, process.env, process.cwd()), process.env, process.cwd());
}

function endpointLine(e: NonNullable<RuntimeStatus['endpoint']>): string {
  const key = e.keyVariable ? `API key from $${e.keyVariable}` : 'no key: loopback only';
  return `fleet endpoint: ${e.baseUrl} (${key}); models: ${e.models.join(', ')}; \`gth runtime env --for <tool>\` configures clients`;
}

function printStatus(st: RuntimeStatus): void {
  const sup = st.supervisor;
  process.stdout.write(`state: ${st.stateDir}\n`);
  process.stdout.write(`supervisor: ${sup ? `pid ${sup.pid} ${sup.alive ? 'running' : 'not running'}, GPU: ${sup.gpu}` : 'not running'}\n`);
  if (st.servers.length === 0) process.stdout.write('servers: none\n');
  else {
    printTable(
      ['id', 'model', 'device', 'status', 'health', 'pid', 'url', 'restarts', 'VRAM MiB', 'RAM MiB'],
      st.servers.map((s) => [s.id, s.model, s.device, s.status, s.health, s.pid ?? '-', s.url, s.restarts, Math.round(s.vramMiB), Math.round(s.ramMiB)]),
    );
  }
  if (st.endpoint) process.stdout.write(`${endpointLine(st.endpoint)}\n`);
  if (st.pressure.paused) process.stdout.write(`new local work PAUSED: ${st.pressure.reason ?? ''}\n`);
  for (const [model, u] of Object.entries(st.unhealthy)) process.stdout.write(`unhealthy: ${model} since ${u.since ?? '?'}: ${u.reason ?? ''}\n`);
  for (const [model, sp] of Object.entries(st.measuredSpeeds)) {
    process.stdout.write(`measured: ${model} ${sp.gen.toFixed(1)} tok/s generation, ${sp.prompt.toFixed(1)} tok/s prompt\n`);
  }
}

/** Re-runs `up` without --detach as a background process and waits until it reports ready or fails. */
async function upDetached(flags: UpFlags, settings: RuntimeSettings): Promise<void> {
  const argv = process.argv.slice(2).filter((a) => a !== '--detach' && a !== '-d');
  const logPath = join(logsDir(settings.stateDir), 'supervisor.log');
  const { mkdirSync, rmSync } = await import('node:fs');
  mkdirSync(logsDir(settings.stateDir), { recursive: true });
  rmSync(readyMarker(settings.stateDir), { force: true });
  // Only this run's lines go into an error message, not those of earlier runs.
  const logStart = existsSync(logPath) ? statSync(logPath).size : 0;
  const fd = openSync(logPath, 'a');
  const child = execa(process.execPath, [...process.execArgv, process.argv[1] ?? '', ...argv], {
    detached: true, stdin: 'ignore', stdout: fd as 3, stderr: fd as 3, cleanup: false, reject: false,
  });
  closeSync(fd);
  let exited = false;
  void child.then(() => (exited = true));
  const deadline = Date.now() + settings.readyTimeoutMs * 4 + 30_000;
  while (Date.now() < deadline) {
    if (existsSync(readyMarker(settings.stateDir))) {
      const marker = JSON.parse(readFileSync(readyMarker(settings.stateDir), 'utf8')) as { pid: number };
      if (marker.pid === child.pid) {
        child.unref();
        const st = await runtimeStatus(settings.stateDir);
        if (flags.json) printJson(st);
        else printStatus(st);
        return;
      }
    }
    if (exited) {
      const tail = readFileSync(logPath).subarray(logStart).toString('utf8').trimEnd().split('\n').slice(-20).join('\n');
      throw new GthError(`runtime up failed (log: ${logPath}):\n${tail}`);
    }
    await sleep(100);
  }
  throw new GthError(`runtime up did not report ready in time (log: ${logPath})`);
}

async function upForeground(flags: UpFlags, settings: RuntimeSettings, servers: ServerPlan[], all: ServerPlan[]): Promise<void> {
  const log = createLogger(process.env, 'runtime');
  const sup = new Supervisor({ settings, logger: log });
  let endpoint: FleetEndpoint | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    await endpoint?.close();
    removeEndpointState(settings.stateDir);
    await sup.shutdown(true);
  })());
  const onSignal = (): void => void stop().then(() => process.exit(0));
  // `on`, not `once`: execa's exit cleanup (signal-exit) re-raises a signal that no other listener
  // is left to handle, which would kill us mid-shutdown when a second signal or an nvidia-smi call overlaps.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await sup.init();
    if (!sup.gpu.available) process.stderr.write(`gth: no NVIDIA GPU (${sup.gpu.reason}); running CPU-only\n`);
    await sup.up(servers);
    if (settings.endpoint.enabled) {
      // Every planned server, not only this wave's: a request for another model loads it (swapping if needed).
      const raw = loadRawConfig(flags.config, process.env, process.cwd());
      // Power from one nvidia-smi poll loop while calls run (cost.powerSampler: none still turns it off).
      const meter = createLedgerMeter({ raw, logger: log, ...(sup.gpu.available ? { pollGpu: new NvidiaSmi(settings.nvidiaSmi) } : {}) });
      const fleet = loadFleetConfig(raw);
      // The catalog models the plan left out but whose GGUF is here: a client may ask for any model it can load.
      const plans = [...all, ...standbyServers(all, fleet, (file) => existsSync(resolve(settings.modelsDir, file)))];
      endpoint = await startFleetEndpoint({ sup, stateDir: settings.stateDir, plans, config: settings.endpoint, fleet, meter, log });
      const keyVariable = keyVariableOf(settings.endpoint);
      const table = { servers: plans, pick: () => ({ local: false, model: '' }) as const };
      writeEndpointState(settings.stateDir, { pid: process.pid, url: endpoint.url, keyVariable, models: listModelNames(table).filter((m) => !m.endsWith('<tokens>')), limits: modelLimits(table) });
    }
  } catch (err) {
    await stop();
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    throw err;
  }
  // `gth runtime swap` from another shell: drain, stop, start, one request at a time.
  serveSwapRequests(settings.stateDir, (next) => sup.swap(next));
  writeJsonAtomic(readyMarker(settings.stateDir), { pid: process.pid, at: new Date().toISOString() });
  const st = await runtimeStatus(settings.stateDir);
  if (flags.json) printJson(st);
  else {
    printStatus(st);
    process.stdout.write('supervising; Ctrl-C or `gth runtime down` stops the servers\n');
  }
  // Stays alive until a signal: the supervisor's timers keep the event loop running.
  await new Promise<void>(() => undefined);
}

export function register(program: Command): void {
  const runtime = program.command('runtime').description('supervise the local llama-server processes chosen by the fleet plan');

  runtime
    .command('up')
    .description('start the planned llama-servers, wait until ready, and supervise them (restarts, VRAM watch, speeds)')
    .option('--plan <file>', 'FleetPlan JSON (from `gth plan --json`); default: plan now from --beads/--rig')
    .option('--beads <dir>', 'bead folder to plan when --plan is not given')
    .option('--rig <dir>', 'rig checkout for prompt sizes when planning')
    .option('--config <file>', 'gastown.yml (default: $GTH_CONFIG or ./gastown.yml)')
    .option('--wave <n>', 'start the servers of this wave (default 0)')
    .option('--server <id...>', 'start only these server ids')
    .option('-d, --detach', 'run the supervisor in the background and return once the servers are ready')
    .option('--host <host>', 'fleet endpoint address (default runtime.endpoint.host, 127.0.0.1; beyond loopback needs GTH_ENDPOINT_KEY)')
    .option('--port <port>', 'fleet endpoint port (default runtime.endpoint.port, 8080; 0 picks a free one)')
    .option('--no-endpoint', 'do not serve the OpenAI-compatible fleet endpoint')
    .option('--json', 'print the resulting status as JSON')
    .action(async (flags: UpFlags) => {
      const wave = flags.wave === undefined ? undefined : Number(flags.wave);
      if (wave !== undefined && (!Number.isInteger(wave) || wave < 0)) throw new UsageError(`--wave: expected a wave index, got '${flags.wave}'`);
      const base = settingsFor(flags.config);
      const settings = { ...base, endpoint: endpointSettings(base.endpoint, flags) };
      const other = readSupervisorState(settings.stateDir);
      if (other && isAlive(other.pid) && other.pid !== process.pid) {
        throw new GthError(`the runtime is already up (supervisor pid ${other.pid}); run \`gth runtime down\` first`);
      }
      // Refuse an exposed endpoint without a key, or an address it cannot listen on, before any server starts: loading the models first
      // would make the user wait minutes for a refusal (8080 is also a lone llama-server's own default port).
      if (settings.endpoint.enabled) {
        checkExposure(settings.endpoint.host, resolveEndpointKeys(settings.endpoint));
        await endpointCanListen(settings.endpoint);
      }
      const { servers, all } = await plannedAll(flags, wave);
      if (flags.detach) await upDetached(flags, settings);
      else await upForeground(flags, settings, servers, all);
    });

  runtime
    .command('swap')
    .description('move the running supervisor to another wave: drain and stop servers not needed, then start the new ones')
    .option('--plan <file>', 'FleetPlan JSON (from `gth plan --json`); default: plan now from --beads/--rig')
    .option('--beads <dir>', 'bead folder to plan when --plan is not given')
    .option('--rig <dir>', 'rig checkout for prompt sizes when planning')
    .option('--config <file>', 'gastown.yml (default: $GTH_CONFIG or ./gastown.yml)')
    .option('--wave <n>', 'the wave to serve next')
    .option('--server <id...>', 'serve exactly these server ids next')
    .option('--json', 'print the resulting status as JSON')
    .action(async (flags: UpFlags) => {
      const wave = flags.wave === undefined ? undefined : Number(flags.wave);
      if (wave !== undefined && (!Number.isInteger(wave) || wave < 0)) throw new UsageError(`--wave: expected a wave index, got '${flags.wave}'`);
      if (wave === undefined && !flags.server?.length) throw new UsageError('swap needs --wave <n> or --server <id...>');
      const settings = settingsFor(flags.config);
      const servers = await planned(flags, wave);
      await requestSwap(settings.stateDir, servers, settings.drainTimeoutMs + settings.readyTimeoutMs * servers.length + 60_000);
      const st = await runtimeStatus(settings.stateDir);
      if (flags.json) printJson(st);
      else printStatus(st);
    });

  runtime
    .command('env')
    .description('print the configuration that points another agent tool at the fleet endpoint (base URL, key variable, models)')
    .requiredOption('--for <tool>', `one of ${CLIENT_TOOLS.join(', ')}`)
    .option('--config <file>', 'gastown.yml (default: $GTH_CONFIG or ./gastown.yml)')
    .option('--json', 'print base URL, key variable, models and their context limits as JSON')
    .action((flags: { for: string; config?: string; json?: boolean }) => {
      if (!(CLIENT_TOOLS as readonly string[]).includes(flags.for)) throw new UsageError(`--for: expected one of ${CLIENT_TOOLS.join(', ')}, got '${flags.for}'`);
      const settings = settingsFor(flags.config);
      // The running endpoint knows its real port and models; without one, the configured address and the aliases.
      const live = readEndpointState(settings.stateDir);
      const e = settings.endpoint;
      const host = e.host === '0.0.0.0' || e.host === '::' ? '127.0.0.1' : e.host;
      const target = {
        baseUrl: `${live ? live.url : `http://${host.includes(':') ? `[${host}]` : host}:${e.port}`}/v1`,
        keyVariable: live ? live.keyVariable : keyVariableOf(e),
        models: live ? live.models : ['polecat', 'refinery', 'librarian'],
        limits: live ? live.limits : {},
      };
      if (flags.json) printJson({ ...target, running: live !== null });
      else {
        if (!live) process.stderr.write('gth: the fleet endpoint is not running now (`gth runtime up` starts it); using the configured address\n');
        if (flags.for === 'opencode') process.stderr.write('gth: opencode reads this as opencode.json in the project root or ~/.config/opencode/opencode.json\n');
        process.stdout.write(`${clientSnippet(flags.for as ClientTool, target)}\n`);
      }
    });

  runtime
    .command('down')
    .description('stop the supervisor and every llama-server it started (works from any shell)')
    .option('--config <file>', 'gastown.yml (default: $GTH_CONFIG or ./gastown.yml)')
    .option('--json', 'print what was stopped as JSON')
    .action(async (flags: { config?: string; json?: boolean }) => {
      const settings = settingsFor(flags.config);
      const result = await runtimeDown(settings.stateDir, {
        graceMs: settings.stopGraceMs,
        supervisorWaitMs: settings.drainTimeoutMs + settings.stopGraceMs * 4 + 5000,
      });
      if (flags.json) printJson(result);
      else process.stdout.write(result.stopped.length ? `stopped: ${result.stopped.join(', ')}\n` : 'nothing was running\n');
    });

  runtime
    .command('status')
    .description('show the supervised servers, their health, VRAM pressure, unhealthy models and measured speeds')
    .option('--config <file>', 'gastown.yml (default: $GTH_CONFIG or ./gastown.yml)')
    .option('--json', 'print the status as JSON')
    .action(async (flags: { config?: string; json?: boolean }) => {
      const st = await runtimeStatus(settingsFor(flags.config).stateDir);
      if (flags.json) printJson(st);
      else printStatus(st);
    });
}
