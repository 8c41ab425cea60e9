// A server's launch settings in one wave: the threads, CPUs and speed the schedule gave it there (cores freed by a server that stopped). Pure.
import { commandLine } from './command-line.js';
import type { ServerPlan, Wave } from './plan-schema.js';

/** The plan's server as it runs during `wave`: same server, its --threads, taskset CPUs and the speed they give taken from the wave's cores. */
export function serverInWave(s: ServerPlan, wave: Wave): ServerPlan {
  const c = wave.cores?.find((x) => x.server === s.id);
  if (!c || (c.threads === s.threads && c.cpuCores.join(',') === s.cpuCores.join(','))) return s;
  const args = [...s.args];
  for (const flag of ['--threads', '--threads-batch']) {
    const i = args.indexOf(flag);
    if (i >= 0 && i + 1 < args.length) args[i + 1] = String(c.threads);
  }
  // The planner worked out the speed these threads give (plans from before it did keep the launch speed).
  const speed = { tokensPerSecond: c.tokensPerSecond ?? s.tokensPerSecond, promptTokensPerSecond: c.promptTokensPerSecond ?? s.promptTokensPerSecond };
  return { ...s, ...speed, threads: c.threads, cpuCores: c.cpuCores, args, commandLine: commandLine(args, c.cpuCores) };
}
