// `gth serve` as a real child process: refuses to start naming every missing setting; starts and answers webhooks otherwise.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gth, GTH_ARGV } from '../../support/cli.js';
import { deliver, examplePayload, freePort, testPrivateKey } from '../../support/github-webhooks.js';

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', GTH_LOG_LEVEL: 'silent' };

describe('gth serve', () => {
  it('refuses to start without settings and names all that are missing', async () => {
    const r = await gth(['serve'], { env: BASE_ENV, extendEnv: false });
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toContain('missing environment variables: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET');
  });

  it('starts Probot on the given port and verifies webhook signatures', async () => {
    const port = await freePort();
    const state = await mkdtemp(join(tmpdir(), 'gth-serve-'));
    const [node, ...args] = GTH_ARGV;
    const child = execa(node!, [...args, 'serve', '--no-recover'], {
      env: { ...BASE_ENV, APP_ID: '1', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: 's3cret', PORT: String(port), GTH_STATE_DIR: state },
      extendEnv: false,
      reject: false,
    });
    try {
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('listening on')) resolve();
        });
        void child.then(() => reject(new Error(`serve exited early: ${stderr}`)));
      });
      expect(stderr).toContain(`listening on http://127.0.0.1:${port}/api/github/webhooks`);
      const url = `http://127.0.0.1:${port}/api/github/webhooks`;
      // An ignored event with a good signature is accepted; a bad signature is refused by Probot's verification.
      expect((await deliver(url, 's3cret', 'issues', examplePayload('issues', 'opened'))).status).toBe(200);
      expect((await deliver(url, 'wrong', 'issues', examplePayload('issues', 'opened'))).status).toBe(400);
    } finally {
      child.kill('SIGTERM');
      const done = await child;
      expect(done.exitCode).toBe(0);
      await rm(state, { recursive: true, force: true });
    }
  });
});
