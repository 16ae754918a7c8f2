import { defineConfig } from 'vitest/config';

// The suite runs once, on PostgreSQL: the server TEST_DATABASE_URL names (with Redis when
// TEST_REDIS_URL is set, as in CI), else an embedded server started for the run
// (test/global-setup.ts).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/fixtures/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
