import { defineConfig } from 'vitest/config';

/**
 * Settings every package's vitest config starts from. Besides the console
 * report, each run leaves a JSON report that `scripts/test-summary.mjs` adds up
 * into one line for CI.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
