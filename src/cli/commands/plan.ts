// `gth plan`: which local model serves each bead, with exact llama-server command lines, waves and budgets.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { jsonText } from '../output.js';
import type { PlanFlags } from '../kept-answers.js';

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
      // A re-plan of an unchanged town prints the plan kept for it (plan-answer.ts): the planner is not even loaded.
      // A --rig plan reads the rig's files, which are not among the inputs kept plans are checked against.
      let kept = null;
      if (flags.beads && !flags.rig) {
        const [{ openKeptPlan }, { planKey, takeHanded }] = await Promise.all([import('../../fleet/plan-answer.js'), import('../kept-answers.js')]);
        const dir = resolve(flags.beads);
        // The early look (main.ts) may have opened it and found it missing or stale already.
        const early = takeHanded(dir);
        kept = early?.plan ?? (await openKeptPlan(dir, planKey(flags, process.cwd(), process.env), early?.scan));
        if (!early?.plan && kept.write()) return;
      }
      const [{ runPlan }, { PLAN_EXPLANATION, renderPlan }] = await Promise.all([import('../../fleet/plan-run.js'), import('../../fleet/render.js')]);
      const run = await runPlan({
        beadsDir: flags.beads, rigDir: flags.rig, configFile: flags.config, measuredFile: flags.measured,
        ...(kept ? { scan: kept.scan, onInputs: kept.noteInputs } : {}),
      });
      let text: string;
      if (flags.json) text = jsonText(run.plan);
      else {
        const headers = run.fromHeaders.length ? `; GGUF headers read for ${run.fromHeaders.join(', ')}` : '';
        text = `${renderPlan(run.plan, run.config.hardware, `${run.source}, catalog: ${run.config.catalogSource}${headers}`)}\n`;
        if (flags.explain) text += `\n${PLAN_EXPLANATION}\n`;
      }
      process.stdout.write(text);
      kept?.save(text);
    });
}
