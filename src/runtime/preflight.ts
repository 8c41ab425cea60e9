// Checks before a start: the binary exists, the model file exists and hashes right, the port is free.
import { createHash } from 'node:crypto';
import { accessSync, constants, createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { createServer } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { GthError } from '../util/errors.js';
import { readJson, runtimeDir, writeJsonAtomic } from './state-store.js';

export class PreflightError extends GthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PreflightError';
  }
}

/** Resolves a command name against PATH like a shell would; null when not found or not executable. */
export function which(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(command) ? command : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, command))) return join(dir, command);
  }
  return null;
}

export function resolveBinary(binary: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const candidate = binary.includes('/') && !isAbsolute(binary) ? join(cwd, binary) : binary;
  const found = which(candidate, env);
  if (!found) {
    throw new PreflightError(
      `llama-server binary not found: '${binary}' (set runtime.binary in gastown.yml or $GTH_LLAMA_SERVER; runner-setup/build-llama-server.sh builds one)`,
    );
  }
  return found;
}

export function checkModelFile(path: string, serverId: string): void {
  if (!existsSync(path)) {
    throw new PreflightError(`model file for server ${serverId} not found: ${path} (check hardware.modelsDir and the plan's modelFile)`);
  }
  if (!statSync(path).isFile()) throw new PreflightError(`model path for server ${serverId} is not a file: ${path}`);
}

const HashCache = z.record(z.string(), z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() }));

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Verifies a model's sha256; hashes are cached by path, size and mtime since GGUFs are gigabytes. */
export async function verifySha256(path: string, expected: string, stateDir: string): Promise<void> {
  const cacheFile = join(runtimeDir(stateDir), 'sha256-cache.json');
  let cache: z.infer<typeof HashCache> = {};
  try {
    cache = readJson(cacheFile, HashCache) ?? {};
  } catch {
    cache = {}; // a broken cache only costs a re-hash; it is rewritten below
  }
  const st = statSync(path);
  const hit = cache[path];
  let actual: string;
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
    actual = hit.sha256;
  } else {
    actual = await sha256File(path);
    cache[path] = { size: st.size, mtimeMs: st.mtimeMs, sha256: actual };
    writeJsonAtomic(cacheFile, cache);
  }
  if (actual.toLowerCase() !== expected.toLowerCase()) {
    throw new PreflightError(`sha256 mismatch for ${path}: expected ${expected.toLowerCase()} (runtime.sha256 in gastown.yml), got ${actual}`);
  }
}

/** A free TCP port on the host, chosen by the OS. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Listens on host:port for a moment: null when that works, else the listen error (EADDRINUSE, EADDRNOTAVAIL, ...). */
export function tryListen(port: number, host = '127.0.0.1'): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen(port, host, () => srv.close(() => resolve(null)));
  });
}

/** Throws naming the port when something already listens on it. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  const err = await tryListen(port, host);
  if (err) throw new PreflightError(`port ${port} on ${host} is already in use${err.code ? ` (${err.code})` : ''}`, { cause: err });
}

/** Logical CPU ids this process may run on (its affinity list on Linux, else 0..n-1). */
export function allowedCpus(statusFile = '/proc/self/status'): Set<number> {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(statusFile, 'utf8'));
    if (m?.[1]) {
      const out = new Set<number>();
      for (const part of m[1].split(',')) {
        const [a, b] = part.split('-').map(Number);
        if (a === undefined || Number.isNaN(a)) continue;
        for (let i = a; i <= (b ?? a); i++) out.add(i);
      }
      if (out.size) return out;
    }
  } catch {
    /* not Linux: fall back to the CPU count */
  }
  return new Set(cpus().map((_, i) => i));
}

/** A plan pinned to CPUs this machine lacks would make taskset fail; say which and why instead. */
export function checkPinning(serverId: string, cpuCores: readonly number[], allowed: ReadonlySet<number>): void {
  const missing = cpuCores.filter((c) => !allowed.has(c));
  if (missing.length) {
    const have = [...allowed].sort((a, b) => a - b);
    throw new PreflightError(
      `server ${serverId} is pinned to CPU(s) ${missing.join(',')} but this machine offers CPUs ${have[0]}-${have[have.length - 1]} ` +
        '(the plan was made for other hardware: check hardware.cpu in gastown.yml and re-plan)',
    );
  }
}
