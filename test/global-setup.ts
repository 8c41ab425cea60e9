// Vitest global setup: builds the CLI and the llama-server stand-in once per run for the tests that start them as processes.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildForTests } from './support/test-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built src/cli/main.ts, or null when the build failed and the CLI runs through tsx. */
    gthBuiltMain: string | null;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const build = async () => {
    try {
      project.provide('gthBuiltMain', (await buildForTests(dirname(dirname(fileURLToPath(import.meta.url))))).main);
    } catch (err) {
      // Slower but still right: every `gth` start then transpiles the sources through tsx, as before the build existed.
      console.error(`\n*** test/global-setup.ts: building src/ into .test-dist/ failed; gth and the llama-server stand-in fall back to tsx (slow) ***\n${err instanceof Error ? err.stack : String(err)}\n`);
      project.provide('gthBuiltMain', null);
    }
  };
  await build();
  // Watch mode: a rerun after an edit to src/ must not start the CLI as it was before the edit.
  project.onTestsRerun(build);
}
