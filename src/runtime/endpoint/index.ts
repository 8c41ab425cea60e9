// Public surface of the fleet endpoint: start it beside a supervisor, with the switcher answering `<role>:<tokens>`.
import type { Logger } from 'pino';
import type { FleetConfig } from '../../fleet/config.js';
import type { ServerPlan } from '../../fleet/plan-schema.js';
import { chooseModel } from '../../fleet/switcher.js';
import type { CallMeter } from '../../providers/types.js';
import { readUnhealthyModels } from '../state-store.js';
import type { Supervisor } from '../supervisor.js';
import { checkExposure, resolveEndpointKeys, type EndpointConfig } from './config.js';
import { supervisorControl } from './fleet-control.js';
import { FleetEndpoint } from './http-server.js';
import type { ModelTable, SwitcherPick } from './routing.js';

export { EndpointConfig, checkExposure, listenError, resolveEndpointKeys, LOOPBACK } from './config.js';
export { FleetEndpoint, type EndpointOptions } from './http-server.js';
export { supervisorControl, type FleetControl } from './fleet-control.js';
export { resolveModel, listModelNames, modelLimits, ALIAS_ROLES, type ModelLimit, type ModelTable, type SwitcherPick } from './routing.js';

/** The switcher's answer for `<role>:<tokens>`; without a fleet config, the role's first planned server. */
export function switcherPick(fleet: FleetConfig | undefined, plans: readonly ServerPlan[], stateDir: string): ModelTable['pick'] {
  return (role, tokens): SwitcherPick => {
    if (!fleet) {
      const s = plans.find((p) => p.roles.includes(role));
      return s ? { local: true, model: s.model, device: s.device } : { local: false, model: 'none' };
    }
    const c = chooseModel(role, tokens, fleet.switcher, fleet.catalog, new Set(Object.keys(readUnhealthyModels(stateDir))));
    return c.device === 'cloud' ? { local: false, model: c.modelName } : { local: true, model: c.model.name, device: c.device };
  };
}

export interface StartEndpointOptions {
  sup: Supervisor;
  stateDir: string;
  /** Every server the endpoint may run (the plan's servers, not only those started now). */
  plans: readonly ServerPlan[];
  config: EndpointConfig;
  fleet?: FleetConfig;
  meter?: CallMeter;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Checks keys and exposure, then listens; resolves to the running endpoint (its `url` set). */
export async function startFleetEndpoint(o: StartEndpointOptions): Promise<FleetEndpoint> {
  const keys = resolveEndpointKeys(o.config, o.env ?? process.env);
  checkExposure(o.config.host, keys);
  const endpoint = new FleetEndpoint({
    control: supervisorControl(o.sup, o.stateDir),
    table: { servers: o.plans, pick: switcherPick(o.fleet, o.plans, o.stateDir) },
    config: o.config, keys, meter: o.meter, log: o.log,
  });
  await endpoint.listen();
  return endpoint;
}
