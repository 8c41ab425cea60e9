// Runs a rig's headless test command through the sandboxed rig runner and reads its results (exit code and/or JUnit XML).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runRigCommand, type SandboxMode } from './runner/index.js';
import type { RigConfig } from './schema.js';
import { parseJUnitXml, type TestCase } from './junit.js';

export interface TestRunResult {
  /** True when every configured signal says pass. */
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  cases: TestCase[];
  counts: { passed: number; failed: number; error: number; skipped: number };
  /** Why the run counts as failed beyond individual test cases (missing XML, timeout, cannot start). */
  problems: string[];
  outputTail: string;
}

export interface RunTestsOptions {
  /** Only PATH, LANG, LC_*, TERM and TZ are read from it (see runner/env.ts); secrets never reach the tests. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to `sandbox:` in gastown.yml, else bwrap. */
  sandbox?: SandboxMode;
  maxOutputBytes?: number;
  /** Overrides tests.timeoutSeconds (milliseconds). */
  timeoutMs?: number;
  tailChars?: number;
}

const tail = (s: string, n: number): string => (s.length > n ? s.slice(s.length - n) : s);

export async function runRigTests(root: string, config: RigConfig, options: RunTestsOptions = {}): Promise<TestRunResult> {
  const { command, results, timeoutSeconds } = config.tests;
  const junitPath = results.junitXml ? join(root, results.junitXml) : null;
  // A stale report from an earlier run must never count as this run's result.
  if (junitPath) rmSync(junitPath, { force: true });
  const timeoutMs = options.timeoutMs ?? timeoutSeconds * 1000;
  const proc = await runRigCommand(root, command, { env: options.env, sandbox: options.sandbox, timeoutMs, maxOutputBytes: options.maxOutputBytes });
  const problems: string[] = [];
  const exitCode = proc.timedOut ? null : proc.exitCode;
  if (proc.timedOut) problems.push(`the test command timed out after ${Math.round(timeoutMs / 1000)} s`);
  else if (proc.startError !== null) problems.push(`the test command could not run: ${proc.startError}`);
  else if (exitCode === null) problems.push(`the test command was killed by ${proc.signal ?? 'a signal'}`);
  if (results.exitCode && exitCode !== 0 && exitCode !== null) problems.push(`the test command exited with code ${exitCode}`);

  let cases: TestCase[] = [];
  if (junitPath) {
    if (!existsSync(junitPath)) problems.push(`the test command wrote no JUnit XML at ${results.junitXml}`);
    else {
      try {
        cases = parseJUnitXml(readFileSync(junitPath, 'utf8'), results.junitXml!);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  const counts = { passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const c of cases) counts[c.status]++;
  return {
    passed: problems.length === 0 && counts.failed === 0 && counts.error === 0,
    exitCode,
    timedOut: proc.timedOut,
    durationMs: proc.durationMs,
    cases,
    counts,
    problems,
    outputTail: tail(proc.output, options.tailChars ?? 4000),
  };
}

/** Test failures as feedback for the model: each failing case with its message, then run problems. */
export function formatTestFeedback(result: TestRunResult, maxDetail = 600): string {
  const { counts } = result;
  if (result.passed) return `All tests passed (${counts.passed} passed, ${counts.skipped} skipped).`;
  const lines = [`Tests failed: ${counts.failed} failed, ${counts.error} errors, ${counts.passed} passed.`];
  for (const c of result.cases.filter((x) => x.status === 'failed' || x.status === 'error')) {
    lines.push(`- ${c.classname} :: ${c.name} [${c.status}]${c.message ? `: ${c.message}` : ''}`);
    if (c.detail) lines.push(`    ${tail(c.detail, maxDetail).split('\n').join('\n    ')}`);
  }
  for (const p of result.problems) lines.push(`- ${p}`);
  if (result.cases.length === 0 && result.outputTail.trim() !== '') lines.push('Output (end):', tail(result.outputTail, 1500));
  return lines.join('\n');
}
