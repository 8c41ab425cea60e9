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

/** The config file to read: explicit path, then $GTH_CONFIG, then ./gastown.yml (which may not exist). */
export function configPath(path?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): { file: string; explicit: boolean } {
  const explicit = path ?? env.GTH_CONFIG;
  return { file: resolve(cwd, explicit || 'gastown.yml'), explicit: Boolean(explicit) };
}

/** Reads the config (see configPath); none at ./gastown.yml means built-in defaults. */
export function loadRawConfig(path?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RawConfig {
  const { file, explicit } = configPath(path, env, cwd);
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

/** Parses a JSON file, with an error that names it; `hint` says what to do about a broken one. */
export function parseJsonFile(file: string, hint = ''): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}${hint}`, { cause: err });
  }
}

/** A file's parsed contents checked against its schema; every problem is listed, naming the file and field. */
export function validateFile<S extends z.ZodType>(file: string, schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new ConfigError(formatIssues(file, result.error));
  return result.data;
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

/**
 * Every top-level key of gastown.yml, one per section some area reads with configSection. The one list:
 * a key not here is a typo (`hardwre:`) that would otherwise leave its section on the defaults without a word.
 */
export const CONFIG_SECTIONS = ['hardware', 'catalog', 'catalogFile', 'switcher', 'runtime', 'providers', 'cost', 'eval', 'sandbox'] as const;
export type ConfigSectionName = (typeof CONFIG_SECTIONS)[number];

/** One problem line per unknown top-level key, with the nearest known key when one is close. */
export function unknownKeyProblems(raw: RawConfig): string[] {
  const known: readonly string[] = CONFIG_SECTIONS;
  return Object.keys(raw.data)
    .filter((k) => !known.includes(k))
    .map((k) => {
      const near = nearest(k, known);
      return `${raw.file ?? 'config'}: ${k}: unknown top-level key${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${known.join(', ')}`;
    });
}

/** The candidate within edit distance 2 (or a third of the word) of `word`, if any. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Validates one top-level section (e.g. "hardware") of the config, or its default when absent. Unknown
 * top-level keys are reported with the section's own problems, so every reader of the file refuses a typo.
 */
export function configSection<S extends z.ZodType>(raw: RawConfig, key: ConfigSectionName, schema: S, fallback: unknown = {}): z.infer<S> {
  const value = key in raw.data ? raw.data[key] : fallback;
  const result = schema.safeParse(value);
  const problems = unknownKeyProblems(raw);
  if (!result.success) problems.push(formatIssues(raw.file ?? 'built-in defaults', result.error, [key]));
  if (!result.success || problems.length) throw new ConfigError(problems.join('\n'));
  return result.data;
}
