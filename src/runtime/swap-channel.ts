// Asks a running supervisor (in another process) to swap to another set of servers: request file + SIGUSR2.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ServerPlan } from '../fleet/plan-schema.js';
import { GthError } from '../util/errors.js';
import { isAlive, readJson, readSupervisorState, runtimeDir, writeJsonAtomic } from './state-store.js';

const SwapRequest = z.object({ id: z.string(), servers: z.array(ServerPlan) });
const SwapResult = z.object({ id: z.string(), ok: z.boolean(), error: z.string().nullable() });
const requestFile = (stateDir: string): string => join(runtimeDir(stateDir), 'swap-request.json');
const resultFile = (stateDir: string): string => join(runtimeDir(stateDir), 'swap-result.json');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Client side: hands the servers to the supervisor and waits until it drained, stopped and started. */
export async function requestSwap(stateDir: string, servers: ServerPlan[], timeoutMs: number): Promise<void> {
  const sup = readSupervisorState(stateDir);
  if (!sup || !isAlive(sup.pid)) throw new GthError(`the runtime is not up (no live supervisor in ${stateDir}); start it with \`gth runtime up\``);
  const id = randomBytes(8).toString('hex');
  rmSync(resultFile(stateDir), { force: true });
  writeJsonAtomic(requestFile(stateDir), { id, servers });
  process.kill(sup.pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = existsSync(resultFile(stateDir)) ? readJson(resultFile(stateDir), SwapResult) : undefined;
    if (res?.id === id) {
      if (!res.ok) throw new GthError(`swap failed: ${res.error ?? 'unknown error'}`);
      return;
    }
    if (!isAlive(sup.pid)) throw new GthError(`the supervisor (pid ${sup.pid}) exited during the swap; see ${join(runtimeDir(stateDir), 'logs')}`);
    await sleep(100);
  }
  throw new GthError(`the supervisor did not finish the swap within ${Math.round(timeoutMs / 1000)}s`);
}

/** Supervisor side: on SIGUSR2, runs `swap` for the pending request and writes the result. Returns an unsubscribe. */
export function serveSwapRequests(stateDir: string, swap: (servers: ServerPlan[]) => Promise<void>): () => void {
  let chain = Promise.resolve();
  const handle = (): void => {
    chain = chain.then(async () => {
      let req: z.infer<typeof SwapRequest> | undefined;
      try {
        req = readJson(requestFile(stateDir), SwapRequest);
      } catch (err) {
        writeJsonAtomic(resultFile(stateDir), { id: 'unknown', ok: false, error: (err as Error).message });
        return;
      }
      if (!req) return;
      try {
        await swap(req.servers);
        writeJsonAtomic(resultFile(stateDir), { id: req.id, ok: true, error: null });
      } catch (err) {
        writeJsonAtomic(resultFile(stateDir), { id: req.id, ok: false, error: (err as Error).message });
      }
    });
  };
  process.on('SIGUSR2', handle);
  return () => process.removeListener('SIGUSR2', handle);
}
