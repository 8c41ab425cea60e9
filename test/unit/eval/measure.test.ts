// Call measurement (streamed for time to first token) against the stand-in server, and the VRAM peak sampler.
import { describe, it, expect } from 'vitest';
import { startFakeLlama } from '../../doubles/fake-llama.js';
import { OpenAICompatibleProvider } from '../../../src/providers/openai-compatible.js';
import { RetryPolicy } from '../../../src/providers/retry.js';
import { MeasuredProvider, startVramPeak, totals } from '../../../src/eval/measure.js';

const retry = RetryPolicy.parse({ maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2 });

describe('MeasuredProvider', () => {
  it('streams the engine’s call, records usage and time to first token, and records failures', async () => {
    const fake = await startFakeLlama({ script: { rules: [{ match: 'hello', reply: 'four word reply here' }] } });
    try {
      const p = new MeasuredProvider(new OpenAICompatibleProvider({ baseUrl: `${fake.url}/v1`, model: 'm', timeoutMs: 5000, retry, local: true }));
      const res = await p.chat({ messages: [{ role: 'user', content: 'hello there' }], meta: { role: 'polecat' } });
      expect(res.text).toBe('four word reply here');
      expect((fake.requests[0] as { stream?: boolean }).stream).toBe(true);
      const [s] = p.calls;
      expect([s!.promptTokens, s!.completionTokens, s!.failed]).toEqual([Math.ceil('hello there'.length / 4), Math.ceil('four word reply here'.length / 4), false]);
      expect(s!.ttftMs).not.toBeNull();
      await fake.close();
      await expect(p.chat({ messages: [{ role: 'user', content: 'hello' }], meta: { role: 'polecat' } })).rejects.toThrow();
      const t = totals(p.take());
      expect([t.calls, t.promptTokens, t.completionTokens]).toEqual([2, s!.promptTokens, s!.completionTokens]);
      expect(t.tokensPerSecond).toBeCloseTo(s!.completionTokens / (s!.latencyMs / 1000), 9);
      expect(p.calls).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe('startVramPeak', () => {
  it('keeps the highest reading, and is null without a reader or readings', async () => {
    const values = [3000, 7000, 5000];
    const peak = startVramPeak({ read: async () => ({ usedMiB: values.shift() ?? 4000 }) }, 5);
    await new Promise((r) => setTimeout(r, 40));
    expect(await peak.stop()).toBe(7000);
    expect(await startVramPeak(undefined).stop()).toBeNull();
    expect(await startVramPeak({ read: async () => null }, 5).stop()).toBeNull();
    expect(await startVramPeak({ read: async () => { throw new Error('no driver'); } }, 5).stop()).toBeNull();
  });

  it('reads one at a time: a reader slower than the interval is never started again while it runs', async () => {
    let running = 0;
    let most = 0;
    let reads = 0;
    const slow = async (): Promise<{ usedMiB: number }> => {
      running++;
      reads++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return { usedMiB: 1000 * reads };
    };
    const peak = startVramPeak({ read: slow }, 2);
    await new Promise((r) => setTimeout(r, 100));
    const top = await peak.stop();
    expect(most).toBe(1);
    // Every reading counts, the last one taken after the one in flight when stop() came.
    expect(top).toBe(1000 * reads);
    expect(reads).toBeGreaterThanOrEqual(2);
  });
});
