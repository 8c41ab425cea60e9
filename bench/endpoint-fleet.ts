// Bench helper process: what `gth runtime up` runs (supervisor, stand-in llama-server, endpoint, ledger meter), on its own.
//
// Usage: node --import tsx bench/endpoint-fleet.ts '{"slots":4,"slowMs":20,"reply":"OK"}'
// Prints one JSON line {endpoint, upstream, apiKey} once ready; SIGTERM stops it (the ledger is flushed first).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../test/integration/endpoint/harness.js';
import { plan } from '../test/integration/runtime/harness.js';

interface FleetSpec {
  slots: number;
  /** ms the stand-in waits per streamed token. */
  slowMs?: number;
  reply?: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as FleetSpec;
const slots = spec.slots ?? 4;
const server = plan('a', { slots, args: ['-m', 'a.gguf', '-np', String(slots), '-c', String(2048 * slots), '-ngl', '99', '-t', '1'] });
const script = join(process.env.TMPDIR ?? '/tmp', `gth-bench-script-${process.pid}.json`);
writeFileSync(script, JSON.stringify({ rules: [], default: spec.reply ?? 'OK' }));
const fleet = await startFleet({
  plans: [server],
  env: { FAKE_LLAMA_SCRIPT: script, ...(spec.slowMs ? { FAKE_LLAMA_SLOW_MS: String(spec.slowMs) } : {}) },
  // The runtime's own defaults, not the tests' quick polling: health checks and VRAM reads share the CPU.
  settings: { healthIntervalMs: 2000, vram: { pollMs: 5000, pauseGrowthMiB: 256, stopGrowthMiB: 1024 } },
});
const up = fleet.sup.status().find((s) => s.id === 'a');
if (!up) throw new Error('bench fleet: the stand-in server did not start');
process.stdout.write(`${JSON.stringify({ endpoint: fleet.url, upstream: up.url, apiKey: up.apiKey })}\n`);
process.on('SIGTERM', () => {
  void fleet.close().finally(() => process.exit(0));
});
