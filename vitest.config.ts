import { defineConfig } from 'vitest/config';

// The suite runs on embedded PGlite always, and again on PostgreSQL (and Redis) when
// TEST_DATABASE_URL (and TEST_REDIS_URL) are set: one `npm test` proves both.
const shared = {
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  exclude: ['**/node_modules/**', 'test/fixtures/**'],
  globalSetup: ['test/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      { test: { ...shared, name: 'pglite', env: { TRELLIS_TEST_DB: 'pglite' } } },
      ...(process.env.TEST_DATABASE_URL ? [{ test: { ...shared, name: 'postgres', env: { TRELLIS_TEST_DB: 'postgres' } } }] : []),
    ],
  },
});
