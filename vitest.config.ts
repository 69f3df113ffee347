import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start real servers (PostgreSQL, S3, Ascent, Chromium); two cores run two files at once.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
