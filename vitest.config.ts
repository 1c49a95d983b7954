import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: a few forks keep multi-process tests from starving each other.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
