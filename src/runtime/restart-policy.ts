// Pure crash bookkeeping: backoff before a restart, and when K crashes in a window make a model unhealthy.
import type { RestartPolicy } from './config.js';

export interface CrashDecision {
  /** Crash times still inside the window, this one included. */
  crashes: number[];
  action: 'restart' | 'give-up';
  delayMs: number;
}

export function decideAfterCrash(previous: readonly number[], now: number, policy: RestartPolicy): CrashDecision {
  const crashes = [...previous.filter((t) => now - t < policy.windowMs), now];
  if (crashes.length >= policy.maxCrashes) return { crashes, action: 'give-up', delayMs: 0 };
  const delayMs = Math.min(policy.backoffMs * 2 ** (crashes.length - 1), policy.maxBackoffMs);
  return { crashes, action: 'restart', delayMs };
}
