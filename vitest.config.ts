import { defineConfig } from 'vitest/config';

// Tests spawn real git and node processes, so allow generous per-test time and keep
// parallelism modest on the 2-core machines this project runs on.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds src/ once into .test-dist/ so the tests' `gth` child processes start on bare node (test/support/cli.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The JSON report feeds the plain 'N passed, N failed' line that .ci/run prints at the end.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-results.json' }]],
  },
});
