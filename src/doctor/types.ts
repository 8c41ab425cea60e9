// Shapes shared by the doctor checks: one result line (ok or problem + how to fix) and the injected environment.
import { z } from 'zod';

export const CheckResult = z.strictObject({
  check: z.string().min(1),
  ok: z.boolean(),
  detail: z.string(),
  /** How to fix it; empty when ok. */
  fix: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export interface CommandResult {
  /** False when the binary is not on PATH. */
  found: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

export type RunCommand = (cmd: string, args: string[]) => Promise<CommandResult>;

export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  run: RunCommand;
  /** Progress lines for slow checks (hashing model files). */
  progress: (line: string) => void;
}

export type Check = (ctx: DoctorContext) => Promise<CheckResult[]>;

export const ok = (check: string, detail: string): CheckResult => ({ check, ok: true, detail, fix: '' });
export const problem = (check: string, detail: string, fix: string): CheckResult => ({ check, ok: false, detail, fix });
