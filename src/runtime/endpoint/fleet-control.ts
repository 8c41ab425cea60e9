// What the endpoint needs from the runtime: the planned servers, which run, start/stop, fit checks, the VRAM pause.
import type { ServerPlan } from '../../fleet/plan-schema.js';
import type { Footprint } from '../budget.js';
import type { ServerState } from '../state-store.js';
import { readPressure } from '../state-store.js';
import type { Supervisor } from '../supervisor.js';

export interface FleetControl {
  /** Servers running or starting now (the supervisor's view). */
  running(): ServerState[];
  start(plan: ServerPlan): Promise<void>;
  /** Drains and stops one server. */
  stop(id: string): Promise<void>;
  /** One live reading; then: does `plan` fit beside the running servers named in `beside`? Null = fits, else why. */
  fitCheck(): Promise<(plan: ServerPlan, beside: readonly string[]) => string | null>;
  /** True while the VRAM watch pauses new loads. */
  loadsPaused(): boolean;
}

/** The real runtime: the supervisor in this process and the pressure its VRAM watch writes. */
export function supervisorControl(sup: Supervisor, stateDir: string): FleetControl {
  // Read once, then kept by the supervisor's 'pressure' event (emitted after it writes the file): a file read
  // and schema check per scheduling pass would sit on every request's path.
  let paused = readPressure(stateDir).paused;
  sup.on('pressure', (level: string) => {
    paused = level !== 'ok';
  });
  return {
    running: () => sup.status(),
    start: (plan) => sup.startServer(plan),
    stop: (id) => sup.stopServer(id, true),
    fitCheck: async () => {
      const fit = await sup.fitCheck();
      return (plan, beside) => fit(sup.footprintOf(plan) satisfies Footprint, beside);
    },
    loadsPaused: () => paused,
  };
}
