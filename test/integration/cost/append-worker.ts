// Child process for the ledger concurrency test: appends N entries tagged with its worker id.
import { existsSync, writeFileSync } from 'node:fs';
import { appendLedgerEntry } from '../../../src/cost/ledger.js';

const [file, worker, count, goFile] = process.argv.slice(2) as [string, string, string, string];
// Say we are ready, then wait for the go file, so all workers append at the same time.
writeFileSync(`${goFile}.ready-${worker}`, '');
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 5));
const pad = 'x'.repeat(1500); // long lines make interleaving visible if appends were not atomic
for (let i = 0; i < Number(count); i++) {
  await appendLedgerEntry(file, {
    v: 1, time: new Date().toISOString(), role: 'polecat', bead: `ab-w${worker}n${i}`, convoy: `cv-${worker}`,
    provider: 'openai-compatible', model: `qwen-${pad}`, local: true,
    tokens: { in: i, out: 1, cached: 0, thinking: 0 }, seconds: 0.5, energyWh: 0.01, energySource: 'configured',
    money: { cloudUsd: 0, electricityUsd: 0.000002, totalUsd: 0.000002 },
  });
}
