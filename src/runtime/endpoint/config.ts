// The `runtime.endpoint` section: where the fleet's one OpenAI-compatible endpoint listens, its keys, queue bounds.
import { z } from 'zod';
import { GthError, UsageError } from '../../util/errors.js';

export const EndpointConfig = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(8080),
  /**
   * API keys by caller name -> the environment variable holding the key (keys never sit in gastown.yml).
   * $GTH_ENDPOINT_KEY adds a key named "default". A caller is metered under its key's name.
   */
  keys: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, 'caller names use letters, digits, . _ -'), z.string().min(1)).default({}),
  /** Requests waiting for a slot or a model load; one more is answered 429. */
  queueSize: z.int().positive().default(64),
  /** A waiting request is overtaken by at most this many later ones (requests for models already loaded). */
  fairness: z.int().nonnegative().default(8),
  /** A request that waited this long is answered 503. */
  maxWaitMs: z.int().positive().default(600_000),
  /** Retry-After (seconds) sent with 429 and 503. */
  retryAfterSeconds: z.int().positive().default(5),
});
export type EndpointConfig = z.infer<typeof EndpointConfig>;

export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Keys by value -> caller name, from the configured variables and $GTH_ENDPOINT_KEY; a named variable that is unset is an error. */
export function resolveEndpointKeys(cfg: Pick<EndpointConfig, 'keys'>, env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [name, variable] of Object.entries(cfg.keys)) {
    const value = env[variable];
    if (!value) throw new UsageError(`runtime.endpoint.keys.${name}: environment variable ${variable} is not set (expected the API key for caller '${name}')`);
    keys.set(value, name);
  }
  if (env.GTH_ENDPOINT_KEY) keys.set(env.GTH_ENDPOINT_KEY, 'default');
  return keys;
}

/** Refuses to listen beyond loopback without a key: anyone on the network could otherwise use the GPU. */
export function checkExposure(host: string, keys: ReadonlyMap<string, string>): void {
  if (!LOOPBACK.has(host) && keys.size === 0) {
    throw new UsageError(
      `runtime.endpoint.host is ${host} (beyond loopback) but no API key is set: set GTH_ENDPOINT_KEY or runtime.endpoint.keys, or bind 127.0.0.1`,
    );
  }
}

/** Why the endpoint cannot listen on host:port (a listen error's code), naming the setting to change and how. */
export function listenError(host: string, port: number, err: NodeJS.ErrnoException): GthError {
  const code = err.code ?? err.message;
  const ways = 'pick another with --port N (or runtime.endpoint.port), or --no-endpoint';
  if (code === 'EADDRINUSE') return new GthError(`runtime.endpoint.port: port ${port} on ${host} is already in use (EADDRINUSE); stop what listens there, or ${ways}`, { cause: err });
  if (code === 'EACCES') return new GthError(`runtime.endpoint.port: port ${port} on ${host} needs privileges (EACCES); ${ways.replace('another', 'one above 1023')}`, { cause: err });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new GthError(`runtime.endpoint.host: ${host} is not an address of this machine (${code}); use 127.0.0.1, 0.0.0.0 (with a key) or one of its own addresses (--host or runtime.endpoint.host)`, { cause: err });
  }
  return new GthError(`runtime.endpoint: cannot listen on ${host}:${port} (${code})`, { cause: err });
}
