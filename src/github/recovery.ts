// Restart recovery: finds open epics whose convoy is missing or unfinished and resumes them (planning only the missing ones).
import type { Logger } from 'pino';
import type { GitHubApi } from './api.js';
import { admitActor, runEpic, type EpicDeps, type EpicOutcome } from './epic-flow.js';
import type { RepoRef } from './events.js';

export interface InstallationRepos {
  /** Every (installation api, repo) pair the app can see. */
  list(): Promise<{ api: GitHubApi; repo: RepoRef }[]>;
}

export interface RecoveryReport {
  epic: string;
  outcome: EpicOutcome | 'skipped';
  reason?: string;
}

/**
 * For each open issue with the epic label: a convoy that exists is resumed (comment refreshed, ready beads
 * dispatched); one that does not is planned only if the person who added the label still has write access.
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
  for (const { api, repo } of await repos.list()) {
    for (const issue of await api.openIssuesWithLabel(repo, epicLabel)) {
      const epic = `${repo.owner}/${repo.repo}#${issue.number}`;
      const existing = await deps.engine.convoys.findByEpic(repo, issue.number, () => api.installationToken());
      if (existing?.finished) {
        report.push({ epic, outcome: 'skipped', reason: 'convoy finished' });
        continue;
      }
      if (!existing) {
        const labeler = await api.lastLabeler(repo, issue.number, epicLabel);
        const admitted = labeler ? await admitActor(api, repo, labeler) : { ok: false as const, reason: 'no labeled event found' };
        if (!admitted.ok) {
          report.push({ epic, outcome: 'skipped', reason: admitted.reason });
          continue;
        }
      }
      report.push({ epic, outcome: await runEpic(deps, api, { repo, issue }) });
    }
  }
  log.info({ report }, 'restart recovery done');
  return report;
}
