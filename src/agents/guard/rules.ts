// Loads and validates the GDScript guard rules (config/gdscript-guard.yml); a bad rule names its id.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { z } from 'zod';
import { ConfigError, formatIssues } from '../../config/load.js';
import { packagePath } from '../paths.js';

export const GuardRuleSpec = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'rule ids are lowercase words joined by dashes'),
  pattern: z.string().min(1),
  flags: z.string().regex(/^[imsu]*$/, 'only the regex flags i, m, s, u are allowed').default(''),
  message: z.string().min(1),
  bad: z.string().min(1),
  good: z.string().min(1),
});

export const GuardRulesFile = z.strictObject({
  version: z.literal(1),
  rules: z.array(GuardRuleSpec).min(1),
});

export type GuardRuleSpec = z.infer<typeof GuardRuleSpec>;

export interface GuardRule extends GuardRuleSpec {
  regex: RegExp;
}

export const DEFAULT_RULES_FILE = packagePath('config', 'gdscript-guard.yml');

/** Validates parsed rule data; every problem (schema, duplicate id, bad regex) is reported in one error. */
export function compileRules(data: unknown, where: string): GuardRule[] {
  const parsed = GuardRulesFile.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatIssues(where, parsed.error));
  const problems: string[] = [];
  const seen = new Set<string>();
  const rules: GuardRule[] = [];
  parsed.data.rules.forEach((spec, i) => {
    if (seen.has(spec.id)) problems.push(`${where}: rules[${i}].id: duplicate rule id "${spec.id}"`);
    seen.add(spec.id);
    try {
      rules.push({ ...spec, regex: new RegExp(spec.pattern, `${spec.flags}g`) });
    } catch (err) {
      problems.push(`${where}: rules[${i}] (${spec.id}).pattern: invalid regular expression: ${(err as Error).message}`);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return rules;
}

export function loadGuardRules(file: string = DEFAULT_RULES_FILE): GuardRule[] {
  let data: unknown;
  try {
    data = yaml.load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    throw new ConfigError(`${file}: cannot read guard rules: ${(err as Error).message}`, { cause: err });
  }
  return compileRules(data, file);
}
