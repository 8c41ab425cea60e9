// Provider errors: what failed, whether a retry can help, and how long the server asked us to wait.
import { GthError } from '../util/errors.js';

export interface ProviderErrorInfo {
  provider: string;
  model: string;
  status?: number;
  /** 429, 5xx and connection resets may succeed when tried again. */
  retryable: boolean;
  /** Wait the server asked for (Retry-After, retry-after-ms or Gemini's RetryInfo). */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ProviderError extends GthError {
  readonly provider: string;
  readonly model: string;
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, info: ProviderErrorInfo) {
    super(message, { cause: info.cause });
    this.name = 'ProviderError';
    this.provider = info.provider;
    this.model = info.model;
    this.status = info.status;
    this.retryable = info.retryable;
    this.retryAfterMs = info.retryAfterMs;
  }
}

/** The answer was not JSON valid against the schema, even after the repair round. */
export class StructuredOutputError extends GthError {
  constructor(
    message: string,
    readonly model: string,
    readonly lastText: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StructuredOutputError';
  }
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Walks an error's cause chain for a Node/undici error code such as ECONNRESET. */
export function errorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur; depth++) {
    if (typeof cur === 'object' && cur !== null) {
      const code = (cur as { code?: unknown }).code;
      if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
      const msg = (cur as { message?: unknown }).message;
      if (typeof msg === 'string' && /socket hang up|other side closed/i.test(msg)) return 'ECONNRESET';
      cur = (cur as { cause?: unknown }).cause;
    } else break;
  }
  return undefined;
}

export function isConnectionReset(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && RESET_CODES.has(code);
}

export function isUnreachable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && UNREACHABLE_CODES.has(code);
}

export function isRetryableStatus(status: number | undefined): boolean {
  return status === 429 || (status !== undefined && status >= 500 && status <= 599);
}

/**
 * Parses Retry-After: delta seconds ("120") or an HTTP-date; returns milliseconds from `nowMs`,
 * never negative, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Reads the wait from response headers: `retry-after-ms` (OpenAI style) first, then Retry-After. */
export function retryAfterFromHeaders(headers: { get(name: string): string | null } | undefined, nowMs = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms.trim()));
  return parseRetryAfter(headers.get('retry-after'), nowMs);
}

/** Reads google.rpc.RetryInfo's retryDelay ("28s", "1.5s") from a Google API error body. */
export function retryAfterFromGoogleBody(body: string): number | undefined {
  const m = /"retryDelay"\s*:\s*\\*"(\d+(?:\.\d+)?)s\\*"/.exec(body);
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Throws the signal's reason (an AbortError) when the caller has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error) throw reason;
  const err = new Error('the model call was aborted');
  err.name = 'AbortError';
  throw err;
}
