// `gth run-epic <epic.md> --rig <path>`: a whole convoy through the engine on this machine, with live progress.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { printJson, printTable } from '../output.js';
import { UsageError } from '../../util/errors.js';
import { createLogger } from '../../util/logger.js';

interface RunEpicFlags {
  rig: string;
  dir?: string;
  config?: string;
  dryRun?: boolean;
  commit?: boolean;
  attempts: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('run-epic')
    .description('run one epic end to end locally: Crew, Mayor, tests first, Polecats, reviews, Librarian')
    .argument('<epic>', 'markdown file with the epic text')
    .requiredOption('--rig <path>', 'rig repository (a git clone with an origin remote and .gastown/rig.yml)')
    .option('--dir <path>', 'town repository holding beads/ and plans/ (default: $GTH_TOWN or the current folder)')
    .option('--config <file>', 'gastown.yml (default: ./gastown.yml or built-in defaults)')
    .option('--dry-run', 'no keys, no servers: the fleet it would start, the prompts with their tokens and models, the cloud cost estimate, and where it would stop')
    .option('--commit', 'commit plan and bead changes to the town repository')
    .option('--attempts <n>', 'edit/test rounds per model before escalating', '3')
    .option('--json', 'print the final summary as JSON')
    .action(async (epicFile: string, o: RunEpicFlags) => {
      const attempts = Number(o.attempts);
      if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new UsageError(`--attempts must be an integer from 1 to 20, got "${o.attempts}"`);
      const epicText = await readFile(epicFile, 'utf8').catch((err: Error) => {
        throw new UsageError(`cannot read the epic file ${epicFile}: ${err.message}`);
      });
      const town = resolve(o.dir ?? process.env.GTH_TOWN ?? process.cwd());
      // Heavy modules load only when this command runs, so other commands start fast.
      const [{ engineModelsFromConfig }, { runEpic }, { briefText }, { ProgressView }, { resolveLedgerPath, convoyCost }] = await Promise.all([
        import('../../agents/engine/models.js'),
        import('../../agents/engine/run-epic.js'),
        import('../../agents/briefs/load.js'),
        import('../progress-view.js'),
        import('../../cost/ledger.js'),
      ]);
      const log = createLogger();
      if (o.dryRun) {
        const { dryRunEpic, renderDryRun } = await import('../../agents/engine/dry-run.js');
        const report = await dryRunEpic({ epicText, rigDir: o.rig, townDir: town, configFile: o.config, env: process.env, brief: briefText });
        if (o.json) return printJson(report);
        process.stdout.write(renderDryRun(report));
        return;
      }
      const models = await engineModelsFromConfig(process.env, town, log, town, o.config);
      const view = new ProgressView(process.stderr);
      const summary = await runEpic({
        epicText,
        rigDir: o.rig,
        townDir: town,
        router: models.router,
        brief: briefText,
        stateDir: models.stateDir,
        commit: o.commit,
        attemptsPerModel: attempts,
        contextBudget: models.contextBudget,
        log,
        emit: (e) => view.onEvent(e),
      });
      view.close();
      const cost = await convoyCost(resolveLedgerPath(process.env, town), summary.convoyId);
      if (o.json) return printJson({ ...summary, cost });
      process.stdout.write(`convoy ${summary.convoyId} on ${summary.convoyBranch}${summary.resumed ? ' (resumed)' : ''}\n`);
      printTable(['bead', 'role', 'status', 'branch', 'title'], summary.beads.map((b) => [b.id, b.role ?? '-', b.status, b.branch ?? '-', b.title.slice(0, 50)]));
      if (summary.convoyTests) {
        const c = summary.convoyTests.counts;
        process.stdout.write(`convoy tests: ${summary.convoyTests.passed ? 'passing' : 'FAILING'} (${c.passed ?? 0} passed, ${c.failed ?? 0} failed)\n`);
      }
      process.stdout.write(
        `model calls: ${cost.calls} (${cost.localCalls} local), ${cost.seconds.toFixed(0)} s, ${cost.energyWh.toFixed(1)} Wh, $${cost.usd.toFixed(4)}; Polecat attempts: ${summary.attempts}\n` +
          `details: gth cost report --convoy ${summary.convoyId}\n`,
      );
      if (summary.beads.some((b) => b.status === 'failed')) process.exitCode = 1;
    });
}
