// `gth cost report`: hybrid cost vs the all-cloud counterfactual, per role, per convoy and per caller.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { costReport, writeHtmlReport } from '../../cost/run-report.js';
import { formatReport } from '../../cost/report-text.js';
import { UsageError } from '../../util/errors.js';
import { printJson } from '../output.js';

interface ReportFlags {
  since?: string;
  convoy?: string;
  caller?: string;
  ledger?: string;
  prices?: string;
  json?: boolean;
  html?: string;
}

/** Accepts 2026-01-29 or a full ISO time; anything else is a usage error naming --since. */
export function parseSince(value: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim());
  const d = new Date(value.trim());
  if (!ok || Number.isNaN(d.getTime())) throw new UsageError(`--since: expected a date like 2026-01-29 or 2026-01-29T08:00:00Z, got "${value}"`);
  return d;
}

export function register(program: Command): void {
  const cost = program.command('cost').description('cost ledger and reports');
  cost
    .command('report')
    .description('hybrid cost (cloud tokens + electricity) vs an all-cloud fleet, per role, per convoy and per caller')
    .option('--since <date>', 'only calls at or after this date (2026-01-29 or an ISO time)')
    .option('--convoy <id>', 'only calls for this convoy')
    .option('--caller <name>', 'only calls by this caller: gastown-hybrid (our own engine), or a fleet endpoint key or X-Gth-Caller name (aider covers aider/editor and default/aider)')
    .option('--ledger <file>', 'ledger file (default: $GTH_LEDGER or .gastown-state/ledger.jsonl); a missing file is an error')
    .option('--prices <file>', 'price table (default: gastown.yml cost.prices or the shipped config/prices.yml)')
    .option('--json', 'print the report as JSON on stdout')
    .option('--html <file>', 'also write a self-contained HTML page with charts')
    .action(async (flags: ReportFlags) => {
      const since = flags.since !== undefined ? parseSince(flags.since) : undefined;
      if (flags.convoy !== undefined && flags.convoy.trim() === '') throw new UsageError('--convoy: expected a convoy id');
      if (flags.caller !== undefined && flags.caller.trim() === '') throw new UsageError('--caller: expected a caller name, e.g. gastown-hybrid or aider');
      const { report, read } = await costReport({ since, convoy: flags.convoy, caller: flags.caller, ledger: flags.ledger, prices: flags.prices });
      for (const p of read.problems) process.stderr.write(`gth: ${read.file}:${p.line}: skipped corrupt ledger line: ${p.message}\n`);
      if (flags.html) {
        const file = resolve(flags.html);
        await writeHtmlReport(report, file);
        process.stderr.write(`gth: wrote ${file}\n`);
      }
      if (flags.json) printJson(report);
      else process.stdout.write(`${formatReport(report)}\n`);
    });
}
