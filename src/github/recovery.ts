// Restart recovery: finds open epics whose convoy is missing or unfinished and resumes them (planning only the missing ones).
import type { Logger } from 'pino';
import type { GitHubApi } from './api.js';
import { admitActor, epicKey, runEpic, type EpicDeps, type EpicOutcome } from './epic-flow.js';
import type { RepoRef } from './events.js';

export interface InstallationRepos {
  /** Every (installation api, repo) pair the app can see. */
  list(): Promise<{ api: GitHubApi; repo: RepoRef; defaultBranch: string }[]>;
}

export interface RecoveryReport {
  epic: string;
  outcome: EpicOutcome | 'skipped' | 'error';
  reason?: string;
}

/**
 * For each open issue with the epic label: a convoy that exists is resumed (comment refreshed, ready beads
 * dispatched); one that does not is planned only if the person who added the label still has write access and its
 * planning has not failed before (that waits for the label to be added again). Each repository and each epic is
 * isolated: a failure is logged and reported, and recovery goes on with the next.
 */
export async function recoverEpics(
  deps: EpicDeps,
  repos: InstallationRepos,
  epicLabel: string,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<RecoveryReport[]> {
  const report: RecoveryReport[] = [];
  if (!deps.engine.convoys) {
    log.warn('restart recovery skipped: no convoy lookup registered (engine not installed)');
    return report;
  }
  for (const { api, repo, defaultBranch } of await repos.list()) {
    let issues: Awaited<ReturnType<GitHubApi['openIssuesWithLabel']>>;
    try {
      issues = await api.openIssuesWithLabel(repo, epicLabel);
    } catch (err) {
      log.warn({ err, repo }, 'restart recovery could not list the epics of a repository');
      report.push({ epic: `${repo.owner}/${repo.repo}`, outcome: 'error', reason: 'listing epics failed' });
      continue;
    }
    for (const issue of issues) {
      const epic = epicKey(repo, issue.number);
      try {
        report.push(await recoverOne(deps, api, { repo, defaultBranch }, issue, epicLabel));
      } catch (err) {
        log.warn({ err, epic }, 'restart recovery failed for one epic; going on with the others');
        report.push({ epic, outcome: 'error', reason: err instanceof Error ? err.message.split('\n')[0] : String(err) });
      }
    }
  }
  log.info({ report }, 'restart recovery done');
  return report;
}

async function recoverOne(
  deps: EpicDeps,
  api: GitHubApi,
  where: { repo: RepoRef; defaultBranch: string },
  issue: { number: number; title: string; body: string },
  epicLabel: string,
): Promise<RecoveryReport> {
  const { repo } = where;
  const epic = epicKey(repo, issue.number);
  const existing = await deps.engine.convoys!.findByEpic(repo, issue.number, () => api.installationToken());
  if (existing?.finished) return { epic, outcome: 'skipped', reason: 'convoy finished' };
  if (!existing) {
    if (await deps.failedEpics.has(epic)) return { epic, outcome: 'skipped', reason: 'planning failed before: waits for the label to be added again' };
    const labeler = await api.lastLabeler(repo, issue.number, epicLabel);
    const admitted = labeler ? await admitActor(api, repo, labeler) : { ok: false as const, reason: 'no labeled event found' };
    if (!admitted.ok) return { epic, outcome: 'skipped', reason: admitted.reason };
  }
  return { epic, outcome: await runEpic(deps, api, { ...where, issue }) };
}
