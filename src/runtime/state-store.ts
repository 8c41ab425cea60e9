// Files the runtime keeps in its state folder, so `status` and `down` work from another shell.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GthError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/atomic-write.js';

export const ServerStatus = z.enum(['starting', 'ready', 'restarting', 'stopping', 'stopped', 'unhealthy', 'failed']);
export type ServerStatus = z.infer<typeof ServerStatus>;

export const ServerState = z.object({
  id: z.string(),
  model: z.string(),
  modelPath: z.string(),
  device: z.enum(['gpu', 'cpu']),
  pid: z.int().nullable(),
  port: z.int(),
  url: z.string(),
  /** Per-start key the providers need; the file is written with mode 0600. */
  apiKey: z.string(),
  status: ServerStatus,
  startedAt: z.string(),
  readyAt: z.string().nullable().default(null),
  restarts: z.int().nonnegative().default(0),
  logFile: z.string(),
  importance: z.int().nonnegative(),
  vramMiB: z.number().nonnegative(),
  ramMiB: z.number().nonnegative(),
  lastError: z.string().nullable().default(null),
});
export type ServerState = z.infer<typeof ServerState>;

export const SupervisorState = z.object({ pid: z.int(), startedAt: z.string(), gpu: z.string() });
export type SupervisorState = z.infer<typeof SupervisorState>;

export const ModelHealth = z.object({
  unhealthy: z.boolean(),
  /** Crash times (ms since epoch) inside the current window. */
  crashes: z.array(z.number()),
  since: z.string().nullable().default(null),
  reason: z.string().nullable().default(null),
});
export const HealthFile = z.object({ models: z.record(z.string(), ModelHealth) });
export type ModelHealth = z.infer<typeof ModelHealth>;
export type HealthFile = z.infer<typeof HealthFile>;

export const Pressure = z.object({
  /** True while the desktop needs VRAM back: dispatchers must not hand out new local work. */
  paused: z.boolean(),
  reason: z.string().nullable(),
  desktopMiB: z.number().nullable(),
  at: z.string(),
});
export type Pressure = z.infer<typeof Pressure>;

export const runtimeDir = (stateDir: string): string => join(stateDir, 'runtime');
export const serversDir = (stateDir: string): string => join(runtimeDir(stateDir), 'servers');
export const logsDir = (stateDir: string): string => join(runtimeDir(stateDir), 'logs');
const supervisorFile = (stateDir: string): string => join(runtimeDir(stateDir), 'supervisor.json');
const healthFile = (stateDir: string): string => join(runtimeDir(stateDir), 'health.json');
const pressureFile = (stateDir: string): string => join(runtimeDir(stateDir), 'pressure.json');
export const serverFile = (stateDir: string, id: string): string => join(serversDir(stateDir), `${safeName(id)}.json`);
export const logFile = (stateDir: string, id: string): string => join(logsDir(stateDir), `${safeName(id)}.log`);

export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Temp file + rename, so a reader in another process never sees half a file; keys files are written 0600. */
export function writeJsonAtomic(path: string, value: unknown, mode = 0o644): void {
  writeFileAtomicSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode });
}

/** Reads and validates a JSON state file; absent -> undefined; unreadable -> error naming the file (never overwritten). */
export function readJson<S extends z.ZodType>(path: string, schema: S): z.infer<S> | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GthError(`${path}: not valid JSON (${(err as Error).message}); fix or delete it`, { cause: err });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new GthError(`${path}: unexpected content: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

export function writeServerState(stateDir: string, s: ServerState): void {
  writeJsonAtomic(serverFile(stateDir, s.id), s, 0o600);
}
export function readServerStates(stateDir: string): ServerState[] {
  const dir = serversDir(stateDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readJson(join(dir, f), ServerState))
    .filter((s): s is ServerState => s !== undefined);
}
export function removeServerState(stateDir: string, id: string): void {
  rmSync(serverFile(stateDir, id), { force: true });
}

export function writeSupervisorState(stateDir: string, s: SupervisorState): void {
  writeJsonAtomic(supervisorFile(stateDir), s);
}
export function readSupervisorState(stateDir: string): SupervisorState | undefined {
  return readJson(supervisorFile(stateDir), SupervisorState);
}
export function removeSupervisorState(stateDir: string, pid: number): void {
  const current = readSupervisorState(stateDir);
  if (current?.pid === pid) rmSync(supervisorFile(stateDir), { force: true });
}

export function readHealth(stateDir: string): HealthFile {
  return readJson(healthFile(stateDir), HealthFile) ?? { models: {} };
}
export function writeHealth(stateDir: string, h: HealthFile): void {
  writeJsonAtomic(healthFile(stateDir), h);
}

/** Models the runtime gave up on after repeated crashes; the switcher uses their fallback instead. */
export function readUnhealthyModels(stateDir: string): Record<string, { since: string | null; reason: string | null }> {
  const out: Record<string, { since: string | null; reason: string | null }> = {};
  for (const [model, h] of Object.entries(readHealth(stateDir).models)) {
    if (h.unhealthy) out[model] = { since: h.since, reason: h.reason };
  }
  return out;
}

/** Clears a model's unhealthy mark (after the owner fixed the cause). */
export function clearUnhealthy(stateDir: string, model: string): void {
  const h = readHealth(stateDir);
  delete h.models[model];
  writeHealth(stateDir, h);
}

export function writePressure(stateDir: string, p: Pressure): void {
  writeJsonAtomic(pressureFile(stateDir), p);
}
/** Whether new local work should wait because the desktop needs VRAM back. */
export function readPressure(stateDir: string): Pressure {
  return readJson(pressureFile(stateDir), Pressure) ?? { paused: false, reason: null, desktopMiB: null, at: new Date(0).toISOString() };
}

/** Endpoints of the servers that are ready now, for the providers (url ends in /v1). */
export function readServerEndpoints(stateDir: string): { id: string; model: string; baseUrl: string; apiKey: string }[] {
  return readServerStates(stateDir)
    .filter((s) => s.status === 'ready' && s.pid !== null && isAlive(s.pid))
    .map((s) => ({ id: s.id, model: s.model, baseUrl: `${s.url}/v1`, apiKey: s.apiKey }));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
