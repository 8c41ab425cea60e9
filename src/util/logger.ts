// Structured logging: one pino logger, level from GTH_LOG_LEVEL, secrets redacted, logs to stderr
// so that stdout stays clean for --json output.
import { pino, destination, type Logger } from 'pino';

const REDACT = [
  'apiKey', '*.apiKey', 'api_key', '*.api_key', 'token', '*.token', 'privateKey', '*.privateKey',
  'secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization',
];

export function createLogger(env: NodeJS.ProcessEnv = process.env, name = 'gth'): Logger {
  return pino(
    { name, level: env.GTH_LOG_LEVEL ?? 'warn', redact: { paths: REDACT, censor: '[redacted]' } },
    destination(2),
  );
}

export const log: Logger = createLogger();
