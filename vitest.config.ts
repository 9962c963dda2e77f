import { defineConfig } from 'vitest/config';

// One runner for every workspace. Suites start real servers on port 0 and real child
// processes, so timeouts are generous and files run in forked workers (2 cores here).
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.cache/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['test/src/fixtures/mongo-global-setup.ts'],
    reporters: ['default'],
  },
});
