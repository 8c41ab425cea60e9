// `down` and `status` from any shell: signals the supervisor and servers recorded in the state folder.
import { existsSync, readFileSync } from 'node:fs';
import { readEndpointState } from './endpoint/state.js';
import { probeHealth, type HealthState } from './probe.js';
import {
  isAlive, readPressure, readServerStates, readSupervisorState, readUnhealthyModels, removeServerState, removeSupervisorState,
  type Pressure, type ServerState, type SupervisorState,
} from './state-store.js';
import { readMeasuredSpeeds } from './speeds.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True when `pid` still runs the server we recorded (guards against a reused pid). */
function isOurServer(s: ServerState): boolean {
  if (s.pid === null || !isAlive(s.pid)) return false;
  const cmdFile = `/proc/${s.pid}/cmdline`;
  if (!existsSync(cmdFile)) return true; // no procfs: trust the pid file
  try {
    const argv = readFileSync(cmdFile, 'utf8').split('\0');
    return argv.includes(String(s.port)) && argv.includes('--api-key');
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

async function terminate(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await waitGone(pid, graceMs))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await waitGone(pid, 2000);
  }
}

/** Stops every server recorded in the state folder whose process still runs; returns their ids. */
export async function stopRecordedServers(stateDir: string, graceMs: number): Promise<string[]> {
  const stopped: string[] = [];
  for (const s of readServerStates(stateDir)) {
    if (s.pid !== null && isOurServer(s)) {
      await terminate(s.pid, graceMs);
      stopped.push(s.id);
    }
    removeServerState(stateDir, s.id);
  }
  return stopped;
}

export interface DownResult {
  supervisorPid: number | null;
  stopped: string[];
}

/**
 * Asks the supervisor to stop (it drains and stops its servers), waits for it, then stops any
 * server still recorded, so nothing is left running even if the supervisor had died.
 */
export async function runtimeDown(stateDir: string, opts: { graceMs: number; supervisorWaitMs: number }): Promise<DownResult> {
  const sup = readSupervisorState(stateDir);
  const before = readServerStates(stateDir).filter((s) => s.pid !== null && isAlive(s.pid)).map((s) => s.id);
  let supervisorPid: number | null = null;
  if (sup && sup.pid !== process.pid && isAlive(sup.pid)) {
    supervisorPid = sup.pid;
    await terminate(sup.pid, opts.supervisorWaitMs);
  }
  if (sup && !isAlive(sup.pid)) removeSupervisorState(stateDir, sup.pid); // a supervisor that died leaves its file
  const leftovers = await stopRecordedServers(stateDir, opts.graceMs);
  return { supervisorPid, stopped: [...new Set([...before, ...leftovers])] };
}

export interface ServerStatusRow extends Omit<ServerState, 'apiKey'> {
  alive: boolean;
  health: HealthState;
}

export interface RuntimeStatus {
  stateDir: string;
  supervisor: (SupervisorState & { alive: boolean }) | null;
  servers: ServerStatusRow[];
  pressure: Pressure;
  unhealthy: Record<string, { since: string | null; reason: string | null }>;
  measuredSpeeds: Record<string, { gen: number; prompt: number }>;
  /** The fleet endpoint while its process runs: base URL (ending in /v1), the key's variable, the names it serves. */
  endpoint: { baseUrl: string; keyVariable: string | null; models: string[] } | null;
}

function endpointOf(stateDir: string): RuntimeStatus['endpoint'] {
  const e = readEndpointState(stateDir);
  return e ? { baseUrl: `${e.url}/v1`, keyVariable: e.keyVariable, models: e.models } : null;
}

export async function runtimeStatus(stateDir: string): Promise<RuntimeStatus> {
  const sup = readSupervisorState(stateDir);
  const servers: ServerStatusRow[] = [];
  for (const s of readServerStates(stateDir)) {
    const { apiKey: _apiKey, ...rest } = s;
    const alive = s.pid !== null && isAlive(s.pid);
    servers.push({ ...rest, alive, health: alive ? await probeHealth(s.url) : 'down' });
  }
  return {
    stateDir,
    supervisor: sup ? { ...sup, alive: isAlive(sup.pid) } : null,
    servers,
    pressure: readPressure(stateDir),
    unhealthy: readUnhealthyModels(stateDir),
    measuredSpeeds: readMeasuredSpeeds(stateDir),
    endpoint: endpointOf(stateDir),
  };
}
