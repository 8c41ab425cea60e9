// Formats guard findings as error text a model can act on (file:line:col, rule, fix, offending line).
import type { GuardFinding } from './check.js';

export function formatGuardFeedback(findings: GuardFinding[]): string {
  if (findings.length === 0) return 'GDScript guard: no Godot 3 syntax found.';
  const noun = findings.length === 1 ? 'problem' : 'problems';
  const lines = [
    `GDScript guard: ${findings.length} Godot 3 ${noun} in Godot 4 code. The tests were not run. Fix every one with search/replace blocks:`,
    '',
  ];
  for (const f of findings) {
    lines.push(`${f.file}:${f.line}:${f.column}: error [${f.ruleId}] ${f.message}`);
    lines.push(`    ${f.line} | ${f.source.trim()}`);
  }
  return lines.join('\n');
}
