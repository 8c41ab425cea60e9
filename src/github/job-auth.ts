// The runner job's git credential: the installation token as an http header in the job's own environment, never on disk.
import { gitRunner, type GitRunner } from './git.js';
import { authEnv } from './town-repo.js';

/** The token the workflow hands `gth job` (GTH_GITHUB_TOKEN, else Actions' GITHUB_TOKEN), or null. */
export function jobToken(env: NodeJS.ProcessEnv): string | null {
  return env.GTH_GITHUB_TOKEN?.trim() || env.GITHUB_TOKEN?.trim() || null;
}

/**
 * Environment entries that give git the token for origin's host only (GIT_CONFIG_* extraheader: never written to
 * .git/config, never in argv, not passed to the rig's code, whose environment is allow-listed). The workflows check
 * out with `persist-credentials: false`, so this is how the job fetches and pushes. Empty for a token-less job or a
 * non-http remote (a path or ssh).
 */
export async function remoteAuth(git: GitRunner, token: string | null): Promise<Record<string, string>> {
  if (!token) return {};
  const url = (await git.tryRun(['remote', 'get-url', 'origin'])) ?? '';
  if (!/^https?:\/\//.test(url)) return {};
  const u = new URL(url);
  return authEnv(token, `${u.protocol}//${u.host}/`);
}

/** remoteAuth for the checkout in `cwd` with the job's token. */
export function jobGitAuth(cwd: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  return remoteAuth(gitRunner({ cwd, env, label: 'the job checkout' }), jobToken(env));
}
