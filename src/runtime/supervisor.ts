// Runs the planned llama-servers: preflight, start and ready, crash restarts, swaps, VRAM pressure, speed scraping.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ServerPlan } from '../fleet/plan-schema.js';
import { createLogger } from '../util/logger.js';
import { GthError } from '../util/errors.js';
import { checkFit, type Footprint } from './budget.js';
import type { RuntimeSettings } from './config.js';
import { NvidiaSmi, type GpuDetection, type GpuReading } from './gpu.js';
import {
  allowedCpus, assertPortFree, checkModelFile, checkPinning, freePort, PreflightError, resolveBinary, verifySha256, which,
} from './preflight.js';
import { fetchMetrics, probeHealth } from './probe.js';
import { decideAfterCrash } from './restart-policy.js';
import { buildLaunch } from './server-args.js';
import { ServerProcess, type ExitInfo } from './server-process.js';
import { recordMeasuredSpeedAsync } from './speeds.js';
import { threadsInArgs } from '../fleet/command-line.js';
import { stopRecordedServers } from './control.js';
import {
  isAlive, logFile, readHealth, readPressure, readSupervisorState, removeServerState, removeSupervisorState,
  writeHealth, writePressure, writeServerState, writeSupervisorState, type ServerState,
} from './state-store.js';
import { VramWatch } from './vram-watch.js';

const HOST = '127.0.0.1';

interface Managed {
  plan: ServerPlan;
  proc: ServerProcess | null;
  state: ServerState;
  stopping: boolean;
  restartTimer: NodeJS.Timeout | null;
  healthFailures: number;
  /** llamacpp:tokens_predicted_total at the previous scrape of the current process. */
  lastPredictedTotal: number;
}

export interface SupervisorOptions {
  settings: RuntimeSettings;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger?: Logger;
  nvidiaSmi?: NvidiaSmi;
}

/** Events: 'spawn' (id, pid), 'ready' (id), 'crash' (id, ExitInfo), 'restarted' (id), 'unhealthy' (id, model), 'stopped' (id), 'pressure' (level, reason). */
export class Supervisor extends EventEmitter {
  private readonly servers = new Map<string, Managed>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly cwd: string;
  private readonly log: Logger;
  private readonly smi: NvidiaSmi;
  private binary = '';
  private taskset: string | null = null;
  gpu: GpuDetection = { available: false, reason: 'not checked yet' };
  private watch: VramWatch | null = null;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.env = opts.env ?? process.env;
    this.cwd = opts.cwd ?? process.cwd();
    this.log = opts.logger ?? createLogger(this.env, 'runtime');
    this.smi = opts.nvidiaSmi ?? new NvidiaSmi(opts.settings.nvidiaSmi, this.env);
  }

  private get s(): RuntimeSettings {
    return this.opts.settings;
  }

  /** Claims the state folder, checks binary and GPU, clears leftovers of a run that died. */
  async init(): Promise<void> {
    const other = readSupervisorState(this.s.stateDir);
    if (other && other.pid !== process.pid && isAlive(other.pid)) {
      throw new GthError(`the runtime is already up (supervisor pid ${other.pid}, state in ${this.s.stateDir}); run \`gth runtime down\` first`);
    }
    this.binary = resolveBinary(this.s.binary, this.env, this.cwd);
    this.taskset = which('taskset', this.env);
    if (!this.taskset) this.log.warn('taskset not found on PATH: servers run without CPU pinning');
    const leftovers = await stopRecordedServers(this.s.stateDir, this.s.stopGraceMs);
    for (const id of leftovers) this.log.warn({ server: id }, 'stopped a server left running by an earlier run');
    this.gpu = await this.smi.detect();
    if (!this.gpu.available) {
      this.log.warn({ reason: this.gpu.reason }, 'no NVIDIA GPU found: servers run CPU-only (-ngl 0)');
    }
    writeSupervisorState(this.s.stateDir, {
      pid: process.pid, startedAt: new Date().toISOString(), gpu: this.gpu.available ? this.gpu.name : `none (${this.gpu.reason})`,
    });
    if (this.gpu.available) {
      this.watch = new VramWatch(this.smi, this.s, () => this.ownPids(), this.log);
      this.watch.on('pause', (reason: string, desktopMiB: number) => this.onPressure('pause', reason, desktopMiB));
      this.watch.on('stop', (reason: string, desktopMiB: number) => this.onPressure('stop', reason, desktopMiB));
      this.watch.on('ok', () => this.onPressure('ok', null, null));
      this.watch.start();
    }
    this.timers.push(setInterval(() => void this.healthTick(), this.s.healthIntervalMs));
    this.timers.push(setInterval(() => void this.scrapeAll(), this.s.metricsIntervalMs));
  }

  /** Starts every plan (most important first); on any failure stops everything started and rethrows. */
  async up(plans: readonly ServerPlan[]): Promise<void> {
    const ordered = [...plans].sort((a, b) => a.importance - b.importance);
    try {
      for (const plan of ordered) await this.startServer(plan);
    } catch (err) {
      await this.stopAll(false);
      throw err;
    }
  }

  /**
   * Moves to the next wave's servers: drain and stop the ones not needed, and the ones the next wave launches
   * differently (re-pinned to cores a stopped server freed), then start the new ones.
   */
  async swap(plans: readonly ServerPlan[]): Promise<void> {
    const launch = (p: ServerPlan): string => JSON.stringify([p.args, p.cpuCores]);
    const next = new Map(plans.map((p) => [p.id, launch(p)]));
    for (const m of [...this.servers.values()]) {
      if (next.get(m.plan.id) !== launch(m.plan)) await this.stopServer(m.plan.id, true);
    }
    const missing = plans.filter((p) => !this.servers.has(p.id));
    await this.up(missing);
  }

  status(): ServerState[] {
    return [...this.servers.values()].map((m) => ({ ...m.state }));
  }

  async startServer(plan: ServerPlan): Promise<void> {
    if (this.servers.has(plan.id)) throw new GthError(`server ${plan.id} is already running`);
    if (readHealth(this.s.stateDir).models[plan.model]?.unhealthy) {
      throw new PreflightError(`model ${plan.model} is marked unhealthy after repeated crashes (see ${this.s.stateDir}/runtime/health.json); the switcher uses its fallback`);
    }
    const footprint = this.footprintOf(plan);
    const cpuOnly = footprint.device === 'cpu' && plan.device === 'gpu';
    if (footprint.device === 'gpu' && readPressure(this.s.stateDir).paused) {
      throw new PreflightError(`not starting ${plan.id}: new work is paused while the desktop needs VRAM (${readPressure(this.s.stateDir).reason ?? ''})`);
    }
    const launchProbe = buildLaunch(plan, { binary: this.binary, modelsDir: this.s.modelsDir, host: HOST, port: 0, apiKey: '', taskset: null, cpuOnly });
    checkModelFile(launchProbe.modelPath, plan.id);
    if (this.taskset) checkPinning(plan.id, plan.cpuCores, allowedCpus());
    const basename = launchProbe.modelPath.split('/').pop() ?? '';
    const expected = this.s.sha256[plan.modelFile] ?? this.s.sha256[basename];
    if (expected) await verifySha256(launchProbe.modelPath, expected, this.s.stateDir);
    await this.checkBudget(footprint);
    const port = this.s.ports[plan.id] ?? (await freePort(HOST));
    const apiKey = randomBytes(24).toString('base64url');
    const m: Managed = {
      plan, proc: null, stopping: false, restartTimer: null, healthFailures: 0, lastPredictedTotal: 0,
      state: {
        id: plan.id, model: plan.model, modelPath: launchProbe.modelPath, device: footprint.device, pid: null, port,
        url: `http://${HOST}:${port}`, apiKey, status: 'starting', startedAt: new Date().toISOString(), readyAt: null,
        restarts: 0, logFile: logFile(this.s.stateDir, plan.id), importance: plan.importance,
        vramMiB: footprint.vramMiB, ramMiB: footprint.ramMiB, lastError: null,
      },
    };
    this.servers.set(plan.id, m);
    try {
      await this.spawnAndWait(m);
    } catch (err) {
      this.servers.delete(plan.id);
      removeServerState(this.s.stateDir, plan.id);
      throw err;
    }
  }

  /** What a plan holds here: a GPU plan runs CPU-only (its VRAM moved to RAM) when there is no GPU. */
  footprintOf(plan: ServerPlan): Footprint {
    const cpuOnly = plan.device === 'gpu' && !this.gpu.available;
    return { id: plan.id, device: cpuOnly ? 'cpu' : plan.device, vramMiB: cpuOnly ? 0 : plan.vramMiB, ramMiB: plan.ramMiB + (cpuOnly ? plan.vramMiB : 0) };
  }

  /**
   * Reads nvidia-smi once and returns a fit check against that reading: would `candidate` fit beside the
   * running servers listed in `beside`? (Null when it fits, else why.) Leaving a server out of `beside`
   * frees what it holds, so the endpoint can ask what a swap would leave free.
   */
  async fitCheck(needsGpu = true): Promise<(candidate: Footprint, beside: readonly string[]) => string | null> {
    const all = [...this.servers.values()].filter((m) => m.state.status !== 'unhealthy');
    let reading: GpuReading | null = null;
    const usedByPid = new Map<number, number>();
    if (this.gpu.available && needsGpu) {
      try {
        // Both figures from one child process: the endpoint asks before each load, in the process that serves it.
        const sample = await this.smi.sample();
        if (!sample.apps) throw new Error(`${this.s.nvidiaSmi} --query-compute-apps failed`);
        reading = sample.reading;
        const own = this.ownPids();
        for (const a of sample.apps) if (own.has(a.pid)) usedByPid.set(a.pid, (usedByPid.get(a.pid) ?? 0) + a.usedMiB);
      } catch (err) {
        throw new PreflightError(`cannot read free VRAM: ${(err as Error).message}`, { cause: err });
      }
    }
    const ownOf = (ms: readonly Managed[]): number => ms.reduce((sum, m) => sum + (m.proc?.pid ? (usedByPid.get(m.proc.pid) ?? 0) : 0), 0);
    const allOwn = ownOf(all);
    return (candidate, beside) => {
      const keep = all.filter((m) => beside.includes(m.plan.id));
      const ownUsedMiB = ownOf(keep);
      // What a server we leave out holds is free again; the desktop's share of the reading stays.
      const gpu = reading ? { ...reading, usedMiB: reading.usedMiB - (allOwn - ownUsedMiB) } : null;
      return checkFit({
        candidate, running: keep.map((m) => ({ id: m.plan.id, device: m.state.device, vramMiB: m.state.vramMiB, ramMiB: m.state.ramMiB })),
        vramBudgetMiB: this.s.vramMiB - this.s.desktopReserveMiB, ramBudgetMiB: this.s.ramBudgetMiB,
        desktopReserveMiB: this.s.desktopReserveMiB, gpu, ownUsedMiB,
      });
    };
  }

  private async checkBudget(candidate: Footprint): Promise<void> {
    let fit: Awaited<ReturnType<Supervisor['fitCheck']>>;
    try {
      fit = await this.fitCheck(candidate.device === 'gpu');
    } catch (err) {
      throw new PreflightError(`cannot read free VRAM before starting ${candidate.id}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`, { cause: err });
    }
    const why = fit(candidate, [...this.servers.keys()].filter((id) => id !== candidate.id));
    if (why) throw new PreflightError(`refusing to start: ${why}`);
  }

  private async spawnAndWait(m: Managed): Promise<void> {
    await assertPortFree(m.state.port, HOST);
    const launch = buildLaunch(m.plan, {
      binary: this.binary, modelsDir: this.s.modelsDir, host: HOST, port: m.state.port, apiKey: m.state.apiKey,
      taskset: this.taskset, cpuOnly: m.state.device === 'cpu' && m.plan.device === 'gpu', logVerbosity: this.s.logVerbosity,
    });
    const proc = new ServerProcess(m.plan.id, launch, m.state.url, m.state.apiKey, m.state.logFile, this.env);
    m.proc = proc;
    m.healthFailures = 0;
    m.lastPredictedTotal = 0;
    proc.spawn((info) => this.onExit(m, proc, info));
    m.state = { ...m.state, pid: proc.pid, status: 'starting', startedAt: new Date().toISOString(), readyAt: null };
    writeServerState(this.s.stateDir, m.state);
    this.log.info({ server: m.plan.id, pid: proc.pid, port: m.state.port }, 'llama-server started');
    this.emit('spawn', m.plan.id, proc.pid);
    await proc.waitReady(this.s.readyTimeoutMs);
    m.state = { ...m.state, status: 'ready', readyAt: new Date().toISOString(), lastError: null };
    writeServerState(this.s.stateDir, m.state);
    this.log.info({ server: m.plan.id }, 'llama-server ready');
    this.emit('ready', m.plan.id);
  }

  private onExit(m: Managed, proc: ServerProcess, info: ExitInfo): void {
    if (m.proc !== proc || m.stopping || this.closed) return;
    // Exit while starting is reported by waitReady; a crash after ready is restarted here.
    if (m.state.status !== 'ready') return;
    this.log.warn({ server: m.plan.id, ...info }, 'llama-server exited unexpectedly');
    this.emit('crash', m.plan.id, info);
    this.handleCrash(m, `exited (${info.signal ? `signal ${info.signal}` : `code ${info.code}`})`);
  }

  private handleCrash(m: Managed, why: string): void {
    const health = readHealth(this.s.stateDir);
    const prev = health.models[m.plan.model]?.crashes ?? [];
    const decision = decideAfterCrash(prev, Date.now(), this.s.restart);
    const lastError = `${why}; last lines of ${m.state.logFile} are kept there`;
    if (decision.action === 'give-up') {
      health.models[m.plan.model] = {
        unhealthy: true, crashes: decision.crashes, since: new Date().toISOString(),
        reason: `${decision.crashes.length} crashes within ${Math.round(this.s.restart.windowMs / 1000)}s (last: ${why})`,
      };
      writeHealth(this.s.stateDir, health);
      m.state = { ...m.state, status: 'unhealthy', pid: null, lastError };
      writeServerState(this.s.stateDir, m.state);
      this.log.error({ server: m.plan.id, model: m.plan.model }, 'model marked unhealthy; the switcher falls back');
      this.emit('unhealthy', m.plan.id, m.plan.model);
      return;
    }
    health.models[m.plan.model] = { unhealthy: false, crashes: decision.crashes, since: null, reason: null };
    writeHealth(this.s.stateDir, health);
    m.state = { ...m.state, status: 'restarting', pid: null, lastError };
    writeServerState(this.s.stateDir, m.state);
    m.restartTimer = setTimeout(() => {
      m.restartTimer = null;
      if (m.stopping || this.closed) return;
      m.state = { ...m.state, restarts: m.state.restarts + 1 };
      this.spawnAndWait(m).then(
        () => this.emit('restarted', m.plan.id),
        (err: unknown) => {
          if (m.stopping || this.closed) return;
          m.proc?.kill();
          m.state = { ...m.state, status: 'ready' }; // so the failed restart counts as the next crash
          this.handleCrash(m, `restart failed: ${(err as Error).message.split('\n')[0]}`);
        },
      );
    }, decision.delayMs);
  }

  /** Drains (optional), scrapes a last speed figure, then stops one server. */
  async stopServer(id: string, drain: boolean): Promise<void> {
    const m = this.servers.get(id);
    if (!m) return;
    m.stopping = true;
    if (m.restartTimer) clearTimeout(m.restartTimer);
    if (m.proc?.running) {
      m.state = { ...m.state, status: 'stopping' };
      writeServerState(this.s.stateDir, m.state);
      if (drain && !(await m.proc.drain(this.s.drainTimeoutMs))) {
        this.log.warn({ server: id }, 'drain timed out; stopping with requests in flight');
      }
      await this.scrape(m);
      await m.proc.stop(this.s.stopGraceMs);
    }
    this.servers.delete(id);
    removeServerState(this.s.stateDir, id);
    this.log.info({ server: id }, 'llama-server stopped');
    this.emit('stopped', id);
  }

  async stopAll(drain: boolean): Promise<void> {
    const ids = [...this.servers.values()].sort((a, b) => b.plan.importance - a.plan.importance).map((m) => m.plan.id);
    for (const id of ids) await this.stopServer(id, drain);
  }

  /** Stops everything and releases the state folder. */
  async shutdown(drain = false): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.watch?.stop();
    await this.stopAll(drain);
    this.closed = true;
    removeSupervisorState(this.s.stateDir, process.pid);
  }

  private ownPids(): Set<number> {
    return new Set([...this.servers.values()].map((m) => m.proc?.pid).filter((p): p is number => typeof p === 'number'));
  }

  private async healthTick(): Promise<void> {
    for (const m of this.servers.values()) {
      if (m.state.status !== 'ready' || !m.proc?.running || m.stopping) continue;
      const h = await probeHealth(m.state.url);
      m.healthFailures = h === 'ok' ? 0 : m.healthFailures + 1;
      if (m.healthFailures >= this.s.healthFailures) {
        this.log.warn({ server: m.plan.id, health: h }, 'health checks failing; killing the server to restart it');
        m.healthFailures = 0;
        m.proc.kill(); // the exit handler restarts it
      }
    }
  }

  private async scrape(m: Managed): Promise<void> {
    if (m.state.status !== 'ready' && m.state.status !== 'stopping') return;
    try {
      const metrics = await fetchMetrics(m.state.url, m.state.apiKey);
      const genTokens = Math.max(0, metrics.tokensPredictedTotal - m.lastPredictedTotal);
      m.lastPredictedTotal = metrics.tokensPredictedTotal;
      await recordMeasuredSpeedAsync(this.s.stateDir, m.plan.model, m.state.device, {
        gen: metrics.predictedTokensPerSecond, prompt: metrics.promptTokensPerSecond, genTokens, threads: threadsInArgs(m.plan.args),
      });
    } catch (err) {
      this.log.warn({ server: m.plan.id, err: (err as Error).message }, 'metrics scrape failed');
    }
  }

  async scrapeAll(): Promise<void> {
    for (const m of this.servers.values()) await this.scrape(m);
  }

  private onPressure(level: 'ok' | 'pause' | 'stop', reason: string | null, desktopMiB: number | null): void {
    const was = readPressure(this.s.stateDir).paused;
    const paused = level !== 'ok';
    if (paused !== was || level === 'stop') {
      writePressure(this.s.stateDir, { paused, reason, desktopMiB, at: new Date().toISOString() });
      this.emit('pressure', level, reason);
      this.log.warn({ level, reason }, paused ? 'desktop needs VRAM: new local work paused' : 'desktop VRAM back to normal: resuming');
    }
    if (level === 'stop') {
      const victim = [...this.servers.values()]
        .filter((m) => m.state.device === 'gpu' && !m.stopping)
        .sort((a, b) => b.plan.importance - a.plan.importance)[0];
      if (victim) {
        this.log.warn({ server: victim.plan.id, reason }, 'stopping the least important GPU server to give the desktop VRAM');
        void this.stopServer(victim.plan.id, false);
      }
    }
  }
}
