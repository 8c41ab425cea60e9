// `gth eval`: every task of the eval set against every chosen model, through the engine; table, JSON or HTML.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { printJson } from '../output.js';
import { UsageError } from '../../util/errors.js';
import { createLogger } from '../../util/logger.js';

interface EvalFlags {
  models?: string;
  roles?: string;
  repeat: string;
  tasks?: string;
  only?: string;
  attempts: string;
  contextBudget: string;
  config?: string;
  json?: boolean;
  html?: string;
}

const ROLES = ['polecat', 'refinery', 'librarian'] as const;
type EvalRole = (typeof ROLES)[number];

function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

function listFlag(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('try each model in each role on the eval task set and score it (pass rate, attempts, guard hits, tokens/s, cost)')
    .option('--models <a,b>', 'catalog models on running servers (gth runtime up) or Gemini model names (default: every running server)')
    .option('--roles <list>', 'roles to evaluate: polecat,refinery,librarian (default: all)')
    .option('--repeat <n>', 'run everything N times to see the spread', '1')
    .option('--tasks <dir>', 'task set folder (default: the eval/tasks folder shipped with gastown-hybrid)')
    .option('--only <names>', 'only these task folders (comma-separated)')
    .option('--attempts <n>', 'edit/test rounds a Polecat gets per task', '3')
    .option('--context-budget <n>', 'token budget for a Polecat context (large tasks need more than 14k)', '32000')
    .option('--config <file>', 'gastown.yml (default: ./gastown.yml or built-in defaults)')
    .option('--json', 'print the results as JSON on stdout')
    .option('--html <file>', 'also write an HTML report with charts')
    .action(async (o: EvalFlags) => {
      const repeat = intFlag('repeat', o.repeat, 1, 100);
      const attempts = intFlag('attempts', o.attempts, 1, 20);
      const contextBudget = intFlag('context-budget', o.contextBudget, 1000, 1_000_000);
      const roles = listFlag(o.roles) ?? [...ROLES];
      const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (bad.length || roles.length === 0) throw new UsageError(`--roles: unknown role ${bad.join(', ') || '(empty)'}; use ${ROLES.join(', ')}`);
      const cwd = process.cwd();
      const [
        { loadRawConfig }, { loadFleetConfig }, { loadProvidersConfig }, { loadRuntimeSettings }, { createLedgerMeter }, { readLedger, resolveLedgerPath },
        { briefText }, { loadTaskSet, DEFAULT_TASKS_DIR }, { resolveModels, runningModels }, { runEval }, { saveResults }, { formatEvalTable }, { NvidiaSmi }, { default: cliProgress },
      ] = await Promise.all([
        import('../../config/load.js'), import('../../fleet/config.js'), import('../../providers/config.js'), import('../../runtime/config.js'),
        import('../../cost/setup.js'), import('../../cost/ledger.js'), import('../../agents/briefs/load.js'), import('../../eval/tasks.js'),
        import('../../eval/models.js'), import('../../eval/runner.js'), import('../../eval/results.js'), import('../../eval/report-text.js'),
        import('../../runtime/gpu.js'), import('cli-progress'),
      ]);
      const raw = loadRawConfig(o.config, process.env, cwd);
      const log = createLogger();
      const settings = loadRuntimeSettings(raw, process.env, cwd);
      const tasksDir = resolve(o.tasks ?? DEFAULT_TASKS_DIR);
      const tasks = loadTaskSet(tasksDir, { kinds: roles as EvalRole[], names: listFlag(o.only) });
      if (tasks.length === 0) throw new UsageError(`no eval tasks for roles ${roles.join(', ')} in ${tasksDir}`);
      const names = listFlag(o.models) ?? runningModels(settings.stateDir);
      if (names.length === 0) throw new UsageError('no models to evaluate: start llama-servers with `gth runtime up` or pass --models');
      const ledgerPath = resolveLedgerPath(process.env, cwd);
      const meter = createLedgerMeter({ raw, townRoot: cwd, logger: log });
      const models = await resolveModels(names, {
        fleet: loadFleetConfig(raw, cwd), providers: loadProvidersConfig(raw), stateDir: settings.stateDir, modelsDir: settings.modelsDir, deps: { meter, logger: log, log },
      });
      const smi = new NvidiaSmi(settings.nvidiaSmi);
      // Poll the GPU only when nvidia-smi answers at all; otherwise the VRAM peak stays null (noted in the results).
      const gpu = await smi.detect();
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'eval [{bar}] {value}/{total} | {model} | {task}', hideCursor: false, noTTYOutput: true, notTTYSchedule: 5000 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(tasks.length * models.length * repeat, 0, { model: '-', task: '-' });
      const results = await runEval({
        tasks, models, repeat, tasksDir, brief: briefText, attemptsPerModel: attempts, contextBudget, log,
        costOf: async (convoy) => (await readLedger(ledgerPath)).entries.filter((e) => e.convoy === convoy).reduce((n, e) => n + e.money.totalUsd, 0),
        vram: gpu.available ? { read: async () => smi.read().catch(() => null) } : undefined,
        onProgress: (p) => bar.update(p.done, { model: p.model, task: `${p.task}${p.last ? (p.last.passed ? ' ok' : ' FAIL') : ''}` }),
      });
      bar.stop();
      const file = saveResults(settings.stateDir, results);
      if (o.html) {
        const [{ renderEvalHtml }, { loadChartJs }, { writeFileAtomic }] = await Promise.all([import('../../eval/report-html.js'), import('../../cost/report-html.js'), import('../../util/atomic-write.js')]);
        await writeFileAtomic(resolve(o.html), renderEvalHtml(results, await loadChartJs()));
        log.info({ file: resolve(o.html) }, 'wrote the HTML eval report');
      }
      if (o.json) return printJson({ ...results, file });
      process.stdout.write(formatEvalTable(results));
      process.stdout.write(`saved ${file}\n`);
    });
}
