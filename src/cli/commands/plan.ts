// `gth plan`: which local model serves each bead, with exact llama-server command lines, waves and budgets.
import type { Command } from 'commander';
import { runPlan } from '../../fleet/plan-run.js';
import { PLAN_EXPLANATION, renderPlan } from '../../fleet/render.js';
import { printJson } from '../output.js';

interface PlanFlags {
  beads?: string;
  rig?: string;
  config?: string;
  measured?: string;
  json?: boolean;
  explain?: boolean;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('plan the local fleet for a bead queue (the built-in sample convoy when --beads is not given)')
    .option('--beads <dir>', 'bead folder to plan (default: a built-in sample convoy)')
    .option('--rig <dir>', 'rig checkout: README and referenced files/tests are counted into prompt sizes')
    .option('--config <file>', 'gastown.yml with hardware, catalog/catalogFile and switcher sections (default: $GTH_CONFIG or ./gastown.yml)')
    .option('--measured <file>', 'measured tokens/s per model, JSON {"model": {"gen": n, "prompt": n}} (default: the runtime state folder\'s measured-speeds.json)')
    .option('--json', 'print the FleetPlan as JSON on stdout')
    .option('--explain', 'after the plan, explain slot, schedule, KV cache, -ngl and --n-cpu-moe in plain words')
    .action(async (flags: PlanFlags) => {
      const run = await runPlan({ beadsDir: flags.beads, rigDir: flags.rig, configFile: flags.config, measuredFile: flags.measured });
      if (flags.json) {
        printJson(run.plan);
        return;
      }
      const headers = run.fromHeaders.length ? `; GGUF headers read for ${run.fromHeaders.join(', ')}` : '';
      process.stdout.write(`${renderPlan(run.plan, run.config.hardware, `${run.source}, catalog: ${run.config.catalogSource}${headers}`)}\n`);
      if (flags.explain) process.stdout.write(`\n${PLAN_EXPLANATION}\n`);
    });
}
