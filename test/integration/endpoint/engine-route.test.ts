// Our engine's router goes through the fleet endpoint while it is up: every planned model, one ledger line per call.
import { afterEach, describe, expect, it } from 'vitest';
import { LiveRouter } from '../../../src/agents/engine/live-router.js';
import { Bead } from '../../../src/beads/schema.js';
import { LedgerMeter, loadPrices } from '../../../src/cost/index.js';
import { loadFleetConfig } from '../../../src/fleet/config.js';
import { ProvidersConfig } from '../../../src/providers/config.js';
import { writeEndpointState } from '../../../src/runtime/endpoint/state.js';
import { plan, until } from '../runtime/harness.js';
import { startFleet, type Fleet } from './harness.js';

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const at = '2026-01-01T00:00:00.000Z';
const bead = Bead.parse({ id: 'ab-1', title: 'x', role: 'polecat', tokenEstimate: 4000, createdAt: at, updatedAt: at });

describe('engine through the fleet endpoint', () => {
  it('routes local rungs to the endpoint (loading a model not running) and meters each call once, with its bead', async () => {
    const small = plan('small', { model: 'Qwen2.5-Coder-3B-Instruct', vramMiB: 2000 });
    const mid = plan('mid', { model: 'Qwen2.5-Coder-7B-Instruct', vramMiB: 3000, importance: 1 });
    fleet = await startFleet({ plans: [small, mid], up: [small], env: { GTH_ENDPOINT_KEY: 'engine-key' } });
    writeEndpointState(fleet.box.stateDir, { pid: process.pid, url: fleet.url, keyVariable: 'GTH_ENDPOINT_KEY', models: ['Qwen2.5-Coder-3B-Instruct', 'Qwen2.5-Coder-7B-Instruct', 'polecat'] });
    const meter = new LedgerMeter({ ledgerPath: fleet.ledger, prices: loadPrices(), localWatts: 100 });
    const router = new LiveRouter({
      fleet: loadFleetConfig({ file: null, data: {} }), providers: ProvidersConfig.parse({}), stateDir: fleet.box.stateDir,
      deps: { env: { GTH_ENDPOINT_KEY: 'engine-key' }, meter },
    });
    const first = await router.choose('polecat', 0, bead);
    const second = await router.choose('polecat', 1, bead);
    expect([first?.label, second?.label]).toEqual(['local:Qwen2.5-Coder-3B-Instruct', 'local:Qwen2.5-Coder-7B-Instruct']);

    const answer = await second!.provider.chat({ messages: [{ role: 'user', content: 'hi' }], meta: { role: 'polecat', beadId: 'ab-1' } });
    expect(answer.text).toBe('OK');
    expect(fleet.endpoint.dispatcher.inflightOn('mid')).toBe(0);
    await until(() => fleet!.entries().length >= 1, 5000, 'a ledger line');
    await new Promise((r) => setTimeout(r, 300)); // a second (double-counted) line would land by now
    expect(fleet.entries().map((e) => [e.bead, e.caller, e.model])).toEqual([['ab-1', undefined, 'Qwen2.5-Coder-7B-Instruct']]);
  });
});
