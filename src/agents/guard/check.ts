// Runs the guard rules over GDScript sources, ignoring comments and string contents.
import { maskedLines } from '../gdscript/segments.js';
import { loadGuardRules, type GuardRule } from './rules.js';

export interface GuardFinding {
  file: string;
  /** 1-based line and column in the original source. */
  line: number;
  column: number;
  ruleId: string;
  message: string;
  /** The offending source line, trimmed at the end, for the feedback text. */
  source: string;
}

let cachedRules: GuardRule[] | undefined;

function defaultRules(): GuardRule[] {
  cachedRules ??= loadGuardRules();
  return cachedRules;
}

/** Findings for one file, ordered by line then column. */
export function checkGdscript(file: string, src: string, rules: GuardRule[] = defaultRules()): GuardFinding[] {
  const original = src.split('\n');
  const masked = maskedLines(src);
  const findings: GuardFinding[] = [];
  masked.forEach((line, idx) => {
    for (const rule of rules) {
      rule.regex.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = rule.regex.exec(line)) !== null) {
        const column = m.index + (m[0].length - m[0].trimStart().length) + 1;
        findings.push({
          file,
          line: idx + 1,
          column,
          ruleId: rule.id,
          message: rule.message,
          source: (original[idx] ?? '').replace(/\r$/, '').trimEnd(),
        });
        if (m[0].length === 0) rule.regex.lastIndex++;
      }
    }
  });
  return findings.sort((a, b) => a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
}

/** Checks several files (path -> source); only `.gd` files are checked. */
export function checkGdscriptFiles(files: Record<string, string>, rules: GuardRule[] = defaultRules()): GuardFinding[] {
  return Object.entries(files)
    .filter(([path]) => path.endsWith('.gd'))
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, src]) => checkGdscript(path, src, rules));
}
