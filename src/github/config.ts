// Reads the GitHub App settings for `gth serve` from the environment and reports every missing one at once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { GthError } from '../util/errors.js';

export const AppConfig = z.strictObject({
  appId: z.int().positive(),
  privateKey: z.string().min(1),
  webhookSecret: z.string().min(1),
  port: z.int().min(0).max(65535),
  host: z.string().min(1),
  webhookPath: z.string().startsWith('/'),
  webhookProxyUrl: z.url().nullable(),
  stateDir: z.string().min(1),
  epicLabel: z.string().min(1),
  /** REST base: https://api.github.com, or `<GHE_PROTOCOL>://<GHE_HOST>/api/v3` on GitHub Enterprise Server. */
  apiBaseUrl: z.url(),
  /** Web/git base for clone URLs: https://github.com, or `<GHE_PROTOCOL>://<GHE_HOST>`. */
  gitBaseUrl: z.url(),
});
export type AppConfig = z.infer<typeof AppConfig>;

export class AppConfigError extends GthError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'AppConfigError';
  }
}

type ReadFile = (path: string) => string;

/** PRIVATE_KEY may hold the PEM itself or its base64 (single-line env files), as Probot accepts. */
function decodeKey(raw: string): string | null {
  const text = raw.includes('-----BEGIN') ? raw : Buffer.from(raw, 'base64').toString('utf8');
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) ? text.replace(/\\n/g, '\n') : null;
}

/**
 * Builds the app config from env. Required: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET.
 * Optional: PORT (3000), HOST (127.0.0.1), WEBHOOK_PATH, WEBHOOK_PROXY_URL (smee), GTH_STATE_DIR, GTH_EPIC_LABEL,
 * GHE_HOST and GHE_PROTOCOL (https) for GitHub Enterprise Server, as Probot names them.
 */
export function readAppConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  readFile: ReadFile = (p) => readFileSync(p, 'utf8'),
): AppConfig {
  const problems: string[] = [];
  const missing: string[] = [];
  const appIdRaw = env.APP_ID?.trim();
  if (!appIdRaw) missing.push('APP_ID');
  else if (!/^\d+$/.test(appIdRaw) || Number(appIdRaw) <= 0) problems.push(`APP_ID: expected a positive number, got "${appIdRaw}"`);

  let privateKey: string | null = null;
  if (env.PRIVATE_KEY?.trim()) {
    privateKey = decodeKey(env.PRIVATE_KEY.trim());
    if (!privateKey) problems.push('PRIVATE_KEY: not a PEM private key (nor base64 of one)');
  } else if (env.PRIVATE_KEY_PATH?.trim()) {
    const path = resolve(cwd, env.PRIVATE_KEY_PATH.trim());
    try {
      privateKey = decodeKey(readFile(path));
      if (!privateKey) problems.push(`PRIVATE_KEY_PATH: ${path} does not hold a PEM private key`);
    } catch (err) {
      problems.push(`PRIVATE_KEY_PATH: cannot read ${path}: ${(err as Error).message}`);
    }
  } else {
    missing.push('PRIVATE_KEY or PRIVATE_KEY_PATH');
  }
  if (!env.WEBHOOK_SECRET?.trim()) missing.push('WEBHOOK_SECRET');

  const portRaw = env.PORT?.trim() || '3000';
  if (!/^\d+$/.test(portRaw) || Number(portRaw) > 65535) problems.push(`PORT: expected 0-65535, got "${portRaw}"`);
  const proxy = env.WEBHOOK_PROXY_URL?.trim() || null;
  if (proxy && !z.url().safeParse(proxy).success) problems.push(`WEBHOOK_PROXY_URL: not a URL: "${proxy}"`);
  const webhookPath = env.WEBHOOK_PATH?.trim() || '/api/github/webhooks';
  if (!webhookPath.startsWith('/')) problems.push(`WEBHOOK_PATH: must start with "/", got "${webhookPath}"`);

  const gheHost = env.GHE_HOST?.trim() || null;
  const gheProtocol = env.GHE_PROTOCOL?.trim() || 'https';
  if (gheProtocol !== 'https' && gheProtocol !== 'http') problems.push(`GHE_PROTOCOL: expected https or http, got "${gheProtocol}"`);
  if (gheHost && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(gheHost)) problems.push(`GHE_HOST: expected a host name (e.g. github.example.com), got "${gheHost}"`);
  if (missing.length > 0) problems.unshift(`missing environment variables: ${missing.join(', ')}`);
  if (problems.length > 0) {
    throw new AppConfigError(`gth serve cannot start:\n  ${problems.join('\n  ')}`, problems);
  }
  return AppConfig.parse({
    appId: Number(appIdRaw),
    privateKey,
    webhookSecret: env.WEBHOOK_SECRET!.trim(),
    port: Number(portRaw),
    host: env.HOST?.trim() || '127.0.0.1',
    webhookPath,
    webhookProxyUrl: proxy,
    stateDir: resolve(cwd, env.GTH_STATE_DIR?.trim() || '.gth/github'),
    epicLabel: env.GTH_EPIC_LABEL?.trim() || 'epic',
    apiBaseUrl: gheHost ? `${gheProtocol}://${gheHost}/api/v3` : 'https://api.github.com',
    gitBaseUrl: gheHost ? `${gheProtocol}://${gheHost}` : 'https://github.com',
  });
}
