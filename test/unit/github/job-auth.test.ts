// The runner job's git credential: the installation token reaches git as an http header in the job's environment, for
// origin's host only, and never lands in the checkout's .git/config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { jobGitAuth, jobToken } from '../../../src/github/job-auth.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gth-job-auth-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function checkout(name: string, origin: string): Promise<string> {
  const dir = join(root, name);
  await execa('git', ['init', '-q', dir]);
  await execa('git', ['remote', 'add', 'origin', origin], { cwd: dir });
  return dir;
}

describe('jobGitAuth', () => {
  it("gives git the token as an extraheader for origin's host through the environment only", async () => {
    const dir = await checkout('https', 'https://ghe.example.test/Codertocat/Hello-World.git');
    const auth = await jobGitAuth(dir, { PATH: process.env.PATH, GTH_GITHUB_TOKEN: ' ghs_job ' });
    const header = `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_job').toString('base64')}`;
    expect(auth).toEqual({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.https://ghe.example.test/.extraheader', GIT_CONFIG_VALUE_0: header });
    // git sees it for that host while the job runs...
    const seen = await execa('git', ['config', '--get', 'http.https://ghe.example.test/.extraheader'], { cwd: dir, env: { ...process.env, ...auth } });
    expect(seen.stdout).toBe(header);
    // ...and nothing of it is on disk for the rig's code to read.
    expect(await readFile(join(dir, '.git', 'config'), 'utf8')).not.toMatch(/extraheader|ghs_job|AUTHORIZATION/i);
  });

  it('uses GITHUB_TOKEN when the app token is absent, and gives nothing without a token or to a non-http remote', async () => {
    const https = await checkout('fallback', 'https://github.com/o/r.git');
    expect((await jobGitAuth(https, { PATH: process.env.PATH, GITHUB_TOKEN: 'ghs_actions' })).GIT_CONFIG_KEY_0).toBe('http.https://github.com/.extraheader');
    expect(await jobGitAuth(https, { PATH: process.env.PATH })).toEqual({});
    const path = await checkout('path', join(root, 'remote.git'));
    expect(await jobGitAuth(path, { PATH: process.env.PATH, GTH_GITHUB_TOKEN: 'ghs_job' })).toEqual({});
    expect(jobToken({ GTH_GITHUB_TOKEN: '  ', GITHUB_TOKEN: 'b' })).toBe('b');
  });
});
