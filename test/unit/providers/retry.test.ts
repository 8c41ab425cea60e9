import { describe, expect, it } from 'vitest';
import { ProviderError, parseRetryAfter, retryAfterFromGoogleBody, retryAfterFromHeaders } from '../../../src/providers/errors.js';
import { RetryPolicy, retryDelay, withRetry } from '../../../src/providers/retry.js';

const policy = RetryPolicy.parse({ maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 });
const retryable = (retryAfterMs?: number): ProviderError =>
  new ProviderError('HTTP 503', { provider: 'p', model: 'm', status: 503, retryable: true, retryAfterMs });

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-29T10:00:00Z');
  it('reads delta seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 29 Jan 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 29 Jan 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
  it('prefers retry-after-ms over Retry-After', () => {
    const h = new Headers({ 'retry-after-ms': '250', 'retry-after': '9' });
    expect(retryAfterFromHeaders(h, now)).toBe(250);
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '9' }), now)).toBe(9000);
  });
  it("reads Google's RetryInfo retryDelay from an error body", () => {
    const body = JSON.stringify({ error: { code: 429, details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '28s' }] } });
    expect(retryAfterFromGoogleBody(body)).toBe(28_000);
    expect(retryAfterFromGoogleBody('{"error":{"code":429}}')).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('is full jitter under an exponentially growing cap', () => {
    expect(retryDelay(1, policy, () => 0.999)).toBe(99);
    expect(retryDelay(3, policy, () => 0.5)).toBe(200); // cap 400
    expect(retryDelay(10, policy, () => 0.5)).toBe(500); // cap limited to maxDelayMs 1000
    expect(retryDelay(2, policy, () => 0)).toBe(0);
  });
  it('waits at least Retry-After, plus at most one base delay of jitter', () => {
    expect(retryDelay(1, policy, () => 0)).toBe(0);
    expect(retryDelay(1, policy, () => 0, 5000)).toBe(5000);
    expect(retryDelay(1, policy, () => 0.5, 5000)).toBe(5050);
  });
});

describe('withRetry', () => {
  it('retries retryable errors with the computed delays and returns the first success', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const out = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw retryable(2000);
        if (calls === 2) throw retryable();
        return 'ok';
      },
      policy,
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    );
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([2050, 100]); // Retry-After 2 s + jitter; then attempt 2: 0.5 * 200
  });

  it('does not retry errors that are not retryable', async () => {
    let calls = 0;
    const err = new ProviderError('HTTP 400', { provider: 'p', model: 'm', status: 400, retryable: false });
    await expect(withRetry(async () => { calls++; throw err; }, policy, { sleep: async () => undefined })).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('gives up after maxRetries with a message naming the setting', async () => {
    let calls = 0;
    const p = withRetry(async () => { calls++; throw retryable(); }, policy, { sleep: async () => undefined });
    await expect(p).rejects.toThrow(/gave up after 4 attempts; providers\.retry\.maxRetries is 3/);
    expect(calls).toBe(4);
  });

  it('fails at once when the server asks for a wait longer than maxRetryAfterMs', async () => {
    const sleeps: number[] = [];
    const p = withRetry(async () => { throw retryable(3_600_000); }, policy, { sleep: async (ms) => void sleeps.push(ms) });
    await expect(p).rejects.toThrow(/asked to wait 3600 s, more than providers\.retry\.maxRetryAfterMs/);
    expect(sleeps).toEqual([]);
  });

  it('does not retry once canRetry says no (text already streamed)', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw retryable(); }, policy, { sleep: async () => undefined }, { canRetry: () => false })).rejects.toThrow('HTTP 503');
    expect(calls).toBe(1);
  });
});
