// The running endpoint's address, key variable and models, in the state folder for `gth runtime env` and our engine.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive, readJson, runtimeDir, writeJsonAtomic } from '../state-store.js';

export const EndpointState = z.object({
  pid: z.int(),
  /** Without /v1. */
  url: z.string(),
  /** The environment variable holding the key clients send; null when none is asked for. */
  keyVariable: z.string().nullable(),
  models: z.array(z.string()),
  /** Context and answer tokens per name in `models` (routing.ts: modelLimits); absent in files written before. */
  limits: z.record(z.string(), z.strictObject({ context: z.int().positive(), output: z.int().positive() })).default({}),
});
export type EndpointState = z.infer<typeof EndpointState>;
export type EndpointStateInput = z.input<typeof EndpointState>;

/** Header our own engine sends: it meters its calls itself (with bead and convoy), so the endpoint does not again. */
export const METERED_HEADER = 'x-gth-metered';

export const endpointFile = (stateDir: string): string => join(runtimeDir(stateDir), 'endpoint.json');

export function writeEndpointState(stateDir: string, s: EndpointStateInput): void {
  writeJsonAtomic(endpointFile(stateDir), s);
}

export function removeEndpointState(stateDir: string): void {
  rmSync(endpointFile(stateDir), { force: true });
}

/** The endpoint when its process still runs; null otherwise. */
export function readEndpointState(stateDir: string): EndpointState | null {
  if (!existsSync(endpointFile(stateDir))) return null;
  const s = readJson(endpointFile(stateDir), EndpointState);
  return s && isAlive(s.pid) ? s : null;
}

/** Base URL (ending in /v1), key and models of the running endpoint, for an OpenAI client in this process. */
export function readFleetEndpoint(stateDir: string, env: NodeJS.ProcessEnv = process.env): { baseUrl: string; apiKey: string; models: string[] } | null {
  const s = readEndpointState(stateDir);
  if (!s) return null;
  return { baseUrl: `${s.url}/v1`, apiKey: (s.keyVariable ? env[s.keyVariable] : undefined) ?? 'local', models: s.models };
}
