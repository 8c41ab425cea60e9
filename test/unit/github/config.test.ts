// readAppConfig: every missing setting named at once; key from env, base64 or file; bad values named by variable.
import { describe, expect, it } from 'vitest';
import { AppConfigError, readAppConfig } from '../../../src/github/config.js';
import { testPrivateKey } from '../../support/github-webhooks.js';

function problems(env: NodeJS.ProcessEnv, readFile?: (p: string) => string): string[] {
  try {
    readAppConfig(env, '/srv/app', readFile);
  } catch (err) {
    expect(err).toBeInstanceOf(AppConfigError);
    return (err as AppConfigError).problems;
  }
  throw new Error('expected readAppConfig to throw');
}

describe('readAppConfig', () => {
  it('names every missing variable in one error', () => {
    expect(problems({})).toEqual(['missing environment variables: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET']);
    expect(problems({ APP_ID: '7', WEBHOOK_SECRET: 's' })).toEqual(['missing environment variables: PRIVATE_KEY or PRIVATE_KEY_PATH']);
  });

  it('reports bad values together with missing ones', () => {
    const p = problems({ APP_ID: 'abc', PRIVATE_KEY: 'not a key', PORT: '99999' });
    expect(p).toEqual([
      'missing environment variables: WEBHOOK_SECRET',
      'APP_ID: expected a positive number, got "abc"',
      'PRIVATE_KEY: not a PEM private key (nor base64 of one)',
      'PORT: expected 0-65535, got "99999"',
    ]);
  });

  it('reads the key from PRIVATE_KEY_PATH relative to cwd and says which file could not be read', () => {
    const key = testPrivateKey();
    const cfg = readAppConfig({ APP_ID: '7', PRIVATE_KEY_PATH: 'keys/app.pem', WEBHOOK_SECRET: 's' }, '/srv/app', (p) => {
      expect(p).toBe('/srv/app/keys/app.pem');
      return key;
    });
    expect(cfg.privateKey).toBe(key);
    expect(cfg).toMatchObject({ appId: 7, port: 3000, host: '127.0.0.1', webhookPath: '/api/github/webhooks', stateDir: '/srv/app/.gth/github', epicLabel: 'epic' });
    const p = problems({ APP_ID: '7', PRIVATE_KEY_PATH: '/nope.pem', WEBHOOK_SECRET: 's' }, () => {
      throw new Error('ENOENT: no such file');
    });
    expect(p).toEqual(['PRIVATE_KEY_PATH: cannot read /nope.pem: ENOENT: no such file']);
  });

  it('accepts a base64-encoded key, as Probot does for single-line env files', () => {
    const key = testPrivateKey();
    const cfg = readAppConfig({ APP_ID: '7', PRIVATE_KEY: Buffer.from(key).toString('base64'), WEBHOOK_SECRET: 's' });
    expect(cfg.privateKey).toBe(key);
  });
});

describe('GitHub Enterprise Server', () => {
  const base = { APP_ID: '7', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: 's' };
  it('uses GHE_HOST and GHE_PROTOCOL for the REST base and the clone URLs', () => {
    expect(readAppConfig(base, '/srv/app')).toMatchObject({ apiBaseUrl: 'https://api.github.com', gitBaseUrl: 'https://github.com' });
    expect(readAppConfig({ ...base, GHE_HOST: 'ghe.example.com' }, '/srv/app')).toMatchObject({ apiBaseUrl: 'https://ghe.example.com/api/v3', gitBaseUrl: 'https://ghe.example.com' });
    expect(readAppConfig({ ...base, GHE_HOST: 'ghe.local:8443', GHE_PROTOCOL: 'http' }, '/srv/app')).toMatchObject({ apiBaseUrl: 'http://ghe.local:8443/api/v3' });
  });
  it('names a bad GHE_PROTOCOL or GHE_HOST', () => {
    expect(problems({ ...base, GHE_HOST: 'https://ghe.example.com/', GHE_PROTOCOL: 'ftp' })).toEqual([
      'GHE_PROTOCOL: expected https or http, got "ftp"',
      'GHE_HOST: expected a host name (e.g. github.example.com), got "https://ghe.example.com/"',
    ]);
  });
});
