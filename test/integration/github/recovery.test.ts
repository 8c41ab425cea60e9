// Restart recovery: a restarted app finds unfinished epics from the label and the convoy lookup, never planning one twice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConvoyProgress } from '../../../src/github/ports.js';
import { MemoryConvoys, ScriptedPlanner } from '../../support/github-engine-fakes.js';
import { deliver, examplePayload } from '../../support/github-webhooks.js';
import { SECRET, startHarness, type Harness } from '../../support/github-harness.js';

const plan = (id: string): ConvoyProgress => ({
  convoyId: id,
  branch: `convoy/${id}`,
  beads: [{ id: `${id}-t`, title: 'Tests first', status: 'open', role: 'refinery' }],
});

const issue = (number: number, extra: Record<string, unknown> = {}) => ({ number, title: `Epic ${number}`, body: `Body ${number}`, state: 'open', ...extra });

function stubInstallation(fake: Harness['fake'], issues: Record<string, unknown>[]): void {
  fake
    .on('apps/list-installations', () => [200, [{ id: 1, account: { login: 'Codertocat' } }]])
    .on('apps/list-repos-accessible-to-installation', () => [
      200,
      { total_count: 1, repositories: [{ name: 'Hello-World', full_name: 'Codertocat/Hello-World', owner: { login: 'Codertocat' } }] },
    ])
    .on('issues/list-for-repo', () => [200, issues])
    .on('issues/list-events', () => [200, [{ id: 1, event: 'labeled', label: { name: 'epic', color: 'fff' }, actor: { login: 'Codertocat', type: 'User' } }]]);
}

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('restart recovery', () => {
  it('resumes unfinished convoys, plans missing ones once, skips finished ones, and keeps earlier dispatches', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gth-recover-'));
    const convoys = new MemoryConvoys();
    const planner = new ScriptedPlanner([plan('cv-one'), plan('cv-two')], (req, p) => convoys.byIssue.set(req.issueNumber, { ...p, finished: false }));

    // First life: epic #1 is planned and its first bead dispatched, then the app stops.
    h = await startHarness({ planner, convoys }, { stateDir: dir });
    const labeled = examplePayload('issues', 'labeled');
    labeled.label.name = 'epic';
    await deliver(h.url, SECRET, 'issues', labeled);
    await h.server.app.queue.idle();
    expect(h.fake.calls('actions/create-workflow-dispatch')).toHaveLength(1);
    await h.close();

    // Second life, same state dir: #1 unfinished, #2 never planned (crash before the Mayor ran), #3 finished, #4 is a PR.
    convoys.byIssue.set(3, { ...plan('cv-three'), finished: true });
    const openIssues = [issue(1), issue(2), issue(3), issue(4, { pull_request: { url: 'x' } })];
    h = await startHarness({ planner, convoys }, { stateDir: dir, recover: true, setup: (f) => stubInstallation(f, openIssues) });
    await h.server.recovered;
    await h.server.app.queue.idle();

    expect(planner.calls.map((c) => c.issueNumber)).toEqual([1, 2]);
    expect(planner.calls[1]).toMatchObject({ title: 'Epic 2', body: 'Body 2' });
    const dispatched = h.fake.calls('actions/create-workflow-dispatch').map((d) => (d.body as { inputs: { bead: string } }).inputs.bead);
    // cv-one-t was dispatched in the first life and is not sent again.
    expect(dispatched).toEqual(['cv-two-t']);
    const commentedIssues = [...h.fake.calls('issues/create-comment'), ...h.fake.calls('issues/update-comment')].map((r) => Number(/issues\/(\d+)/.exec(r.path)?.[1]));
    expect(commentedIssues).toContain(2);
    expect(commentedIssues).not.toContain(4);
    expect(h.fake.calls('issues/list-events').map((r) => r.path)).toEqual(['/repos/Codertocat/Hello-World/issues/2/events?per_page=100']);

    // A later label event for #2 finds its convoy and resumes instead of planning again.
    const again = examplePayload('issues', 'labeled');
    again.label.name = 'epic';
    again.issue.number = 2;
    await deliver(h.url, SECRET, 'issues', again);
    await h.server.app.queue.idle();
    expect(planner.calls).toHaveLength(2);
    expect(h.fake.violations).toEqual([]);
  });

  it("isolates each epic, never edits another bot's marker comment, and retries a failed plan only when the label is added again", async () => {
    dir = await mkdtemp(join(tmpdir(), 'gth-recover-'));
    class Flaky extends MemoryConvoys {
      override async findByEpic(repo: { owner: string; repo: string }, issueNumber: number) {
        if (issueNumber === 2) throw new Error('index.lock exists in /var/lib/gth/towns/x');
        return super.findByEpic(repo, issueNumber);
      }
    }
    const convoys = new Flaky();
    const planner = new ScriptedPlanner([new Error('Gemini answered 503'), plan('cv-three')], (req, p) => convoys.byIssue.set(req.issueNumber, { ...p, finished: false }));

    // First life: planning #3 fails once; the failure comment is posted.
    h = await startHarness({ planner, convoys }, { stateDir: dir });
    const labeled = examplePayload('issues', 'labeled');
    labeled.label.name = 'epic';
    labeled.issue.number = 3;
    await deliver(h.url, SECRET, 'issues', labeled);
    await h.server.app.queue.idle();
    expect(planner.calls).toHaveLength(1);
    await h.close();

    // Second life: #1 has a convoy and another app's comment carrying our marker; #2's lookup fails; #3 failed before.
    convoys.byIssue.set(1, { ...plan('cv-one'), finished: false });
    h = await startHarness({ planner, convoys }, { stateDir: dir, recover: true, setup: (f) => stubInstallation(f, [issue(1), issue(2), issue(3)]) });
    h.comments.push({ id: 77, issue: 1, body: '<!-- gth:epic-progress -->\nnot ours', user: { login: 'copycat[bot]', type: 'Bot' } });
    const report = await h.server.recovered;
    await h.server.app.queue.idle();
    expect(report).toEqual([
      { epic: 'Codertocat/Hello-World#1', outcome: 'resumed' },
      { epic: 'Codertocat/Hello-World#2', outcome: 'error', reason: 'index.lock exists in /var/lib/gth/towns/x' },
      { epic: 'Codertocat/Hello-World#3', outcome: 'skipped', reason: 'planning failed before: waits for the label to be added again' },
    ]);
    // #1 resumed with a comment of its own (the other bot's is left alone), #2 logged and skipped, #3 not planned again.
    expect(h.fake.calls('issues/update-comment')).toHaveLength(0);
    expect(h.comments.filter((c) => c.issue === 1).map((c) => c.user.login)).toEqual(['copycat[bot]', 'gastown-hybrid[bot]']);
    expect(h.fake.calls('actions/create-workflow-dispatch').map((d) => (d.body as { inputs: { bead: string } }).inputs.bead)).toEqual(['cv-one-t']);
    expect(planner.calls).toHaveLength(1);

    // The owner adds the label again: now #3 is planned.
    await deliver(h.url, SECRET, 'issues', labeled);
    await h.server.app.queue.idle();
    expect(planner.calls.map((c) => c.issueNumber)).toEqual([3, 3]);
    expect(h.fake.violations).toEqual([]);
  });
});
