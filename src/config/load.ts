// Reads gastown.yml once; each area validates its own section with its own zod schema.
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import type { z } from 'zod';
import { GthError } from '../util/errors.js';

export interface RawConfig {
  /** Absolute path of the file read, or null when the built-in defaults are used. */
  file: string | null;
  data: Record<string, unknown>;
}

export class ConfigError extends GthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Finds the config: explicit path, then $GTH_CONFIG, then ./gastown.yml; none means built-in defaults. */
export function loadRawConfig(path?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RawConfig {
  const explicit = path ?? env.GTH_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, 'gastown.yml');
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError(`config file not found: ${file}`);
    return { file: null, data: {} };
  }
  return { file, data: parseYamlFile(file) };
}

/** Parses a YAML file into a mapping, with errors that name the file and line. */
export function parseYamlFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = yaml.load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === undefined || parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${file}: expected a mapping at the top level, got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

/** Formats every zod issue as "file: a.b[2].c: message" so one error lists all problems at once. */
export function formatIssues(where: string, error: z.ZodError, prefix: (string | number)[] = []): string {
  return error.issues
    .map((i) => {
      const path = [...prefix, ...i.path]
        .map((p, idx) => (typeof p === 'number' ? `[${p}]` : `${idx === 0 ? '' : '.'}${String(p)}`))
        .join('');
      return `${where}: ${path || '(root)'}: ${i.message}`;
    })
    .join('\n');
}

/** Validates one top-level section (e.g. "hardware") of the config, or its default when absent. */
export function configSection<S extends z.ZodType>(raw: RawConfig, key: string, schema: S, fallback: unknown = {}): z.infer<S> {
  const value = key in raw.data ? raw.data[key] : fallback;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ConfigError(formatIssues(raw.file ?? 'built-in defaults', result.error, [key]));
  }
  return result.data;
}
