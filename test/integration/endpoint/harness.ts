// Shared setup for endpoint tests: stand-in llama-servers under a real supervisor, the endpoint on a free port, a ledger.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ServerPlan } from '../../../src/fleet/plan-schema.js';
import { LedgerMeter, loadPrices, type LedgerEntry } from '../../../src/cost/index.js';
import { EndpointConfig } from '../../../src/runtime/endpoint/config.js';
import { startFleetEndpoint, type FleetEndpoint } from '../../../src/runtime/endpoint/index.js';
import { Supervisor } from '../../../src/runtime/supervisor.js';
import type { RuntimeSettings } from '../../../src/runtime/config.js';
import { makeModel, sandbox, type Sandbox } from '../runtime/harness.js';

export interface Fleet {
  box: Sandbox;
  sup: Supervisor;
  endpoint: FleetEndpoint;
  url: string;
  ledger: string;
  entries(): LedgerEntry[];
  close(): Promise<void>;
}

export async function startFleet(opts: {
  plans: ServerPlan[];
  /** Started before the endpoint opens (default: the first plan). */
  up?: ServerPlan[];
  endpoint?: Partial<EndpointConfig>;
  env?: Record<string, string>;
  settings?: Partial<RuntimeSettings>;
}): Promise<Fleet> {
  const box = sandbox(opts.env ?? {});
  for (const p of opts.plans) makeModel(box.modelsDir, p.modelFile);
  const settings = box.settings(opts.settings);
  const sup = new Supervisor({ settings, env: box.env });
  await sup.init();
  await sup.up(opts.up ?? opts.plans.slice(0, 1));
  const ledger = join(box.dir, 'ledger.jsonl');
  let endpoint: FleetEndpoint;
  try {
    const meter = new LedgerMeter({ ledgerPath: ledger, prices: loadPrices(), localWatts: 200, cpuWatts: 65 });
    const config = EndpointConfig.parse({ port: 0, ...opts.endpoint });
    endpoint = await startFleetEndpoint({ sup, stateDir: box.stateDir, plans: opts.plans, config, meter, log: pino({ level: 'silent' }), env: box.env });
  } catch (err) {
    await sup.shutdown(); // no stand-in server outlives a set-up that failed
    throw err;
  }
  return {
    box, sup, endpoint, url: endpoint.url, ledger,
    entries: () => (existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerEntry) : []),
    close: async () => {
      await endpoint.close();
      await sup.shutdown();
    },
  };
}

/** POST a chat completion to the endpoint. */
export function chat(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, signal,
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], ...body }),
  });
}
