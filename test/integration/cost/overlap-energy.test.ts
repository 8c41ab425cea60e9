// Two local calls running at once on one GPU (real HTTP to the stand-in llama-server, one shared meter):
// the ledger charges their energy once between them, and a CPU call beside them takes none of the GPU's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { integrateWh, type PowerSample } from '../../../src/cost/energy.js';
import { readLedger } from '../../../src/cost/ledger.js';
import { LedgerMeter } from '../../../src/cost/meter.js';
import { loadPrices } from '../../../src/cost/prices.js';
import { OpenAICompatibleProvider } from '../../../src/providers/openai-compatible.js';
import { RetryPolicy } from '../../../src/providers/retry.js';
import { startFakeLlama } from '../../doubles/fake-llama.js';

const dir = mkdtempSync(join(tmpdir(), 'gth-overlap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const retry = RetryPolicy.parse({ maxRetries: 0, baseDelayMs: 100, maxDelayMs: 1000 });

describe('energy of overlapping local calls', () => {
  it('adds up to what the GPU drew, not twice it; the CPU call is charged CPU watts only', async () => {
    const llama = await startFakeLlama({ script: { rules: [], default: 'one two three four five six seven eight' }, slowMs: 40, parallel: 3 });
    try {
      const ledger = join(dir, 'ledger.jsonl');
      // The meter stamps each reading with the clock value it read just before asking: record the same one.
      let last = 0;
      const clock = (): number => (last = performance.now());
      // The GPU's own record: every reading the meter asked for, with its time. Power varies a little,
      // so the shares add up only if each reading is split among the calls running when it was taken.
      const gpuReadings: PowerSample[] = [];
      let n = 0;
      const sampler = async (): Promise<number> => {
        const watts = 240 + (n++ % 3);
        gpuReadings.push({ tMs: last, watts });
        return watts;
      };
      const meter = new LedgerMeter({ ledgerPath: ledger, prices: loadPrices(), localWatts: 320, cpuWatts: 90, sampler, sampleMs: 25, clock });
      const provider = (model: string, device: 'gpu' | 'cpu'): OpenAICompatibleProvider =>
        new OpenAICompatibleProvider({ baseUrl: `${llama.url}/v1`, model, device, meter, timeoutMs: 10_000, retry });
      const ask = (p: OpenAICompatibleProvider, bead: string): Promise<unknown> =>
        p.chat({ messages: [{ role: 'user', content: 'go' }], stream: true, meta: { role: p.model === 'r1' ? 'refinery' : 'polecat', beadId: bead } });

      const first = ask(provider('coder-3b', 'gpu'), 'ab-0001');
      await new Promise((r) => setTimeout(r, 120));
      await Promise.all([first, ask(provider('coder-7b', 'gpu'), 'ab-0002'), ask(provider('r1', 'cpu'), 'ab-0003')]);

      const { entries } = await readLedger(ledger);
      expect(entries).toHaveLength(3);
      const gpu = entries.filter((e) => e.device === 'gpu');
      const cpu = entries.filter((e) => e.device === 'cpu');
      expect(gpu.map((e) => e.bead).sort()).toEqual(['ab-0001', 'ab-0002']);
      expect(gpu.every((e) => e.energySource === 'sampled')).toBe(true);

      // They overlapped: each ran longer than the gap between their starts.
      const [a, b] = gpu.sort((x, y) => Date.parse(x.time) - Date.parse(y.time));
      expect(Date.parse(b!.time) - Date.parse(a!.time)).toBeLessThan(a!.seconds * 1000);

      const gpuTotal = integrateWh(gpuReadings);
      const charged = a!.energyWh + b!.energyWh;
      expect(charged).toBeCloseTo(gpuTotal, 5);
      // Each call alone saw the whole GPU (at least 240 W) for all its time; charging each that would count
      // the shared stretch twice, well above what the GPU drew.
      expect(charged).toBeLessThan((0.9 * 240 * (a!.seconds + b!.seconds)) / 3600);

      // The CPU call ran alone on the CPU: configured 90 W for its time, none of the GPU's samples.
      expect(cpu).toHaveLength(1);
      expect(cpu[0]).toMatchObject({ energySource: 'configured', local: true });
      expect(cpu[0]!.energyWh).toBeCloseTo((90 * cpu[0]!.seconds) / 3600, 4);
    } finally {
      await llama.close();
    }
  });
});
