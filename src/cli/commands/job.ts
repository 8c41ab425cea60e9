// `gth job <kind> --bead <id>`: what a runner workflow runs; validates its arguments and hands them to the engine's job runner.
import type { Command } from 'commander';
import { JOB_KINDS } from '../../github/dispatch.js';
import { JobRequest, JobResult, ReviewJobRequest, type JobRunner, type ReviewJobRunner } from '../../github/jobs.js';
import { formatIssues } from '../../config/load.js';
import { GthError, UsageError } from '../../util/errors.js';
import { printJson } from '../output.js';

/** The engine's job runner, loaded only when a job runs (the engine pulls in the providers and the fleet planner). */
const ENGINE_JOB_RUNNER: JobRunner = {
  run: async (req, env) => {
    const [{ createEngineJobRunner }, { jobGitHubFromEnv }, { jobGitAuth }] = await Promise.all([
      import('../../agents/engine/jobs.js'),
      import('../../github/job-github.js'),
      import('../../github/job-auth.js'),
    ]);
    // The workflows check out without persisted credentials, so nothing on disk holds a token for the rig's code or a
    // model's change to find. This process's own git calls (pull, push of the bead and its branch) get the token as an
    // http header in its environment; the engine's git inherits the process environment, and the rig runner's is
    // allow-listed, so no rig code sees it.
    const auth = await jobGitAuth(req.cwd, env);
    if (env === process.env) Object.assign(process.env, auth);
    // The engine knows no GitHub: the CLI plugs the installation token's PR opener in.
    return createEngineJobRunner({ pullRequests: jobGitHubFromEnv }).run(req, { ...env, ...auth });
  },
};

/** The review job (PR head in a sandboxed worktree, rig.yml from the base branch), loaded only when it runs. */
const REVIEW_JOB_RUNNER: ReviewJobRunner = {
  review: async (req, env) => (await import('../../github/review-job.js')).createReviewJobRunner().review(req, env),
};

interface JobFlags {
  bead?: string;
  attempt?: string;
  pr?: string;
  convoy?: string;
  json?: boolean;
}

export function register(
  program: Command,
  runner: JobRunner | null = ENGINE_JOB_RUNNER,
  env: NodeJS.ProcessEnv = process.env,
  reviewRunner: ReviewJobRunner = REVIEW_JOB_RUNNER,
): void {
  program
    .command('job')
    .description(`Run one runner job for a bead (what the workflows call). Kinds: ${JOB_KINDS.join(', ')}`)
    .argument('<kind>', `job kind: ${JOB_KINDS.join(' | ')}`)
    .option('--bead <id>', 'bead id to work on (refinery-review: optional, the PR branch names it)')
    .option('--pr <number>', 'pull request number (refinery-review only)')
    .option('--convoy <id>', 'convoy id (informational; the bead file names its convoy)')
    .option('--attempt <key>', 'the lifecycle attempt this run was dispatched for (e.g. r0t1; empty: none): a run of an earlier attempt does nothing')
    .option('--json', 'print the result as JSON')
    .action(async (kind: string, flags: JobFlags) => {
      if (flags.pr !== undefined && !/^\d+$/.test(flags.pr)) throw new UsageError(`--pr: expected a pull request number, got "${flags.pr}"`);
      if (kind === 'refinery-review') {
        if (flags.pr === undefined) throw new UsageError('gth job: --pr is required for refinery-review');
        const review = ReviewJobRequest.safeParse({ pr: Number(flags.pr), beadId: flags.bead || null, cwd: process.cwd() });
        if (!review.success) throw new UsageError(formatIssues('gth job', review.error).replace(/gth job: beadId/g, 'gth job: --bead'));
        report({ kind, ...review.data }, JobResult.parse(await reviewRunner.review(review.data, env)), flags.json);
        return;
      }
      if (flags.bead === undefined) throw new UsageError(`gth job: --bead is required for ${kind}`);
      const parsed = JobRequest.safeParse({
        kind,
        beadId: flags.bead,
        pr: flags.pr === undefined ? null : Number(flags.pr),
        convoy: flags.convoy ?? null,
        cwd: process.cwd(),
        // The workflows pass their optional input as is: empty when the app named no attempt.
        ...(flags.attempt ? { attempt: flags.attempt } : {}),
      });
      if (!parsed.success) {
        const names: Record<string, string> = { kind: '<kind>', beadId: '--bead', pr: '--pr', convoy: '--convoy', attempt: '--attempt' };
        const text = formatIssues('gth job', parsed.error).replace(/gth job: (\w+)/g, (_m, f: string) => `gth job: ${names[f] ?? f}`);
        throw new UsageError(text);
      }
      if (!runner) {
        throw new GthError(
          `engine not available yet: gth job ${parsed.data.kind} --bead ${parsed.data.beadId} did nothing ` +
            '(no job runner is registered; see ENGINE_JOB_RUNNER in src/cli/commands/job.ts)',
        );
      }
      report(parsed.data, JobResult.parse(await runner.run(parsed.data, env)), flags.json);
    });
}

function report(request: object, result: JobResult, json: boolean | undefined): void {
  if (json) printJson({ request, ...result });
  else process.stdout.write(`${result.ok ? 'ok' : 'failed'}: ${result.summary}\n`);
  if (!result.ok) process.exitCode = 1;
}
