// Retries with full-jitter exponential backoff, honouring the server's Retry-After; sleep is injectable.
import { z } from 'zod';
import { ProviderError } from './errors.js';

export const RetryPolicy = z.strictObject({
  /** Retries after the first attempt (so maxRetries 3 means up to 4 requests). */
  maxRetries: z.int().min(0).max(20).default(3),
  baseDelayMs: z.int().min(0).default(500),
  maxDelayMs: z.int().min(0).default(30_000),
  /** A Retry-After longer than this fails at once instead of blocking a worker (daily quotas). */
  maxRetryAfterMs: z.int().min(0).default(120_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryDeps {
  sleep?: Sleep;
  /** Uniform [0, 1); injectable so tests know the jitter. */
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Delay before retry number `attempt` (1-based). Without Retry-After: full jitter in
 * [0, min(max, base * 2^(attempt-1))). With it: the asked wait plus up to `base` of jitter, so
 * many workers told the same date do not return in lockstep.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs + Math.floor(random() * policy.baseDelayMs);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or retries run out.
 * `canRetry` lets a streamed call refuse a retry once text was already shown to the user.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps = {},
  opts: { signal?: AbortSignal; canRetry?: () => boolean } = {},
): Promise<T> {
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.retryable) throw err;
      if (opts.canRetry && !opts.canRetry()) throw err;
      if (opts.signal?.aborted) throw err;
      if (attempt >= policy.maxRetries) {
        throw new ProviderError(`${err.message} (gave up after ${attempt + 1} attempts; providers.retry.maxRetries is ${policy.maxRetries})`, {
          provider: err.provider, model: err.model, status: err.status, retryable: false, cause: err,
        });
      }
      if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxRetryAfterMs) {
        throw new ProviderError(
          `${err.message} (server asked to wait ${Math.ceil(err.retryAfterMs / 1000)} s, more than providers.retry.maxRetryAfterMs = ${policy.maxRetryAfterMs})`,
          { provider: err.provider, model: err.model, status: err.status, retryable: false, cause: err },
        );
      }
      const delayMs = retryDelay(attempt + 1, policy, random, err.retryAfterMs);
      deps.onRetry?.({ attempt: attempt + 1, delayMs, error: err });
      await sleep(delayMs, opts.signal);
    }
  }
}
