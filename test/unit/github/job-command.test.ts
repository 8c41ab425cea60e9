// `gth job`: argument validation (exit 2 naming the flag), delegation to a registered runner, and the honest no-engine failure.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../../src/cli/commands/job.js';
import type { JobRequest, JobRunner, ReviewJobRequest, ReviewJobRunner } from '../../../src/github/jobs.js';
import { UsageError } from '../../../src/util/errors.js';
import { gth } from '../../support/cli.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

class RecordingReviews implements ReviewJobRunner {
  readonly seen: ReviewJobRequest[] = [];
  async review(req: ReviewJobRequest) {
    this.seen.push(req);
    return { ok: true, summary: `reviewed #${req.pr}` };
  }
}

function program(runner: JobRunner | null, reviews = new RecordingReviews()): Command {
  const p = new Command().exitOverride();
  register(p, runner, { GTH_TEST: '1' }, reviews);
  p.commands.forEach((c) => c.exitOverride());
  return p;
}

class RecordingRunner implements JobRunner {
  readonly seen: JobRequest[] = [];
  constructor(private readonly ok = true) {}
  async run(req: JobRequest) {
    this.seen.push(req);
    return { ok: this.ok, summary: `did ${req.kind}` };
  }
}

describe('gth job', () => {
  it('hands a validated request to the registered runner', async () => {
    const runner = new RecordingRunner();
    await program(runner).parseAsync(['job', 'polecat', '--bead', 'gt-7k2f', '--convoy', 'gt-c1'], { from: 'user' });
    expect(runner.seen).toEqual([{ kind: 'polecat', beadId: 'gt-7k2f', pr: null, convoy: 'gt-c1', cwd: process.cwd() }]);
    // The workflow's attempt input: passed on when named, left out when empty (a run the app named no attempt for).
    await program(runner).parseAsync(['job', 'polecat', '--bead', 'gt-7k2f', '--attempt', 'r1t2'], { from: 'user' });
    await program(runner).parseAsync(['job', 'polecat', '--bead', 'gt-7k2f', '--attempt', ''], { from: 'user' });
    expect(runner.seen.slice(1)).toEqual([
      { kind: 'polecat', beadId: 'gt-7k2f', pr: null, convoy: null, cwd: process.cwd(), attempt: 'r1t2' },
      { kind: 'polecat', beadId: 'gt-7k2f', pr: null, convoy: null, cwd: process.cwd() },
    ]);
  });

  it('sends refinery-review to the review job, with or without a bead', async () => {
    const runner = new RecordingRunner();
    const reviews = new RecordingReviews();
    await program(runner, reviews).parseAsync(['job', 'refinery-review', '--bead', 'gt-7k2f', '--pr', '12'], { from: 'user' });
    await program(runner, reviews).parseAsync(['job', 'refinery-review', '--pr', '13'], { from: 'user' });
    expect(reviews.seen).toEqual([
      { pr: 12, beadId: 'gt-7k2f', cwd: process.cwd() },
      { pr: 13, beadId: null, cwd: process.cwd() },
    ]);
    expect(runner.seen).toEqual([]);
  });

  it('rejects bad arguments with a usage error that names the argument', async () => {
    const runner = new RecordingRunner();
    const fails = async (args: string[]) => {
      try {
        await program(runner).parseAsync(args, { from: 'user' });
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error('expected a usage error');
    };
    expect(await fails(['job', 'mayor', '--bead', 'gt-1'])).toMatch(/<kind>/);
    expect(await fails(['job', 'polecat', '--bead', 'not an id'])).toMatch(/--bead/);
    expect(await fails(['job', 'refinery-review', '--bead', 'gt-1'])).toMatch(/--pr is required for refinery-review/);
    expect(await fails(['job', 'refinery-review', '--pr', '2', '--bead', '../x'])).toMatch(/--bead/);
    expect(await fails(['job', 'polecat'])).toMatch(/--bead is required for polecat/);
    expect(await fails(['job', 'polecat', '--bead', 'gt-1', '--pr', '3'])).toMatch(/--pr/);
    expect(await fails(['job', 'polecat', '--bead', 'gt-1', '--pr', 'x3'])).toMatch(/--pr: expected a pull request number/);
    expect(runner.seen).toHaveLength(0);
  });

  it('sets exit code 1 when the runner reports failure', async () => {
    const before = process.exitCode;
    try {
      await program(new RecordingRunner(false)).parseAsync(['job', 'polecat', '--bead', 'gt-1'], { from: 'user' });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = before;
    }
  });

  it('the real CLI refuses to run outside a checkout (exit 2), and 2 on bad usage', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'gth-job-'));
    const none = await gth(['job', 'polecat', '--bead', 'gt-7k2f'], { cwd: outside });
    expect(none.exitCode).toBe(2);
    expect(String(none.stderr)).toContain('is not a git work tree');
    const bad = await gth(['job', 'polecat', '--bead', 'gt 7k2f']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toContain('--bead');
  });
});
