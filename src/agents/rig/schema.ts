// Zod schema of a rig's `.gastown/rig.yml`: language, engine, test framework, headless test command, coverage rule, docs.
import { z } from 'zod';

export const TEST_FRAMEWORKS = ['gut', 'gdunit4'] as const;
export const TestFramework = z.enum(TEST_FRAMEWORKS, {
  error: (issue) => `unknown test framework ${JSON.stringify(issue.input)}: expected one of ${TEST_FRAMEWORKS.join(', ')}`,
});

const RelPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'must be a path inside the rig (relative, no "..")');

export const TestResults = z
  .strictObject({
    /** A non-zero exit code means the run failed. */
    exitCode: z.boolean().default(true),
    /** JUnit XML the command writes, relative to the rig root. */
    junitXml: RelPath.nullable().default(null),
  })
  .refine((r) => r.exitCode || r.junitXml !== null, 'read results from the exit code, a JUnit XML file, or both');

export const RigTests = z.strictObject({
  framework: TestFramework,
  /** argv of the headless test run, e.g. ["godot", "--headless", "-s", "addons/gut/gut_cmdln.gd", ...]. */
  command: z.array(z.string().min(1)).min(1, 'the test command needs at least the program name'),
  /** Folders holding the tests, relative to the rig root. */
  dirs: z.array(RelPath).min(1).default(['test']),
  timeoutSeconds: z.int().positive().default(600),
  results: TestResults.default({ exitCode: true, junitXml: null }),
});

export const CoverageRule = z.strictObject({
  /** Share of public functions in `sourceDirs` that some test calls. */
  rule: z.literal('tested-functions'),
  minRatio: z.number().min(0).max(1),
  sourceDirs: z.array(RelPath).min(1).default(['scripts']),
});

export const RigConfig = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'rig names are letters, digits, ".", "-" or "_"'),
  language: z.literal('gdscript'),
  engine: z.literal('godot4'),
  tests: RigTests,
  coverage: CoverageRule.nullable().default(null),
  /** Docs attached to every role brief for this rig. */
  docs: z.array(RelPath).default(['README.md', 'AGENTS.md']),
});

export type TestFramework = z.infer<typeof TestFramework>;
export type RigTests = z.infer<typeof RigTests>;
export type CoverageRule = z.infer<typeof CoverageRule>;
export type RigConfig = z.infer<typeof RigConfig>;
