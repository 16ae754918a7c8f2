import { defineConfig } from 'vitest/config';

// Two projects: the server's suite, and the web console's component tests (web/vitest.config.ts,
// happy-dom). The server's runs once, on PostgreSQL: the server TEST_DATABASE_URL names (with
// Redis when TEST_REDIS_URL is set, as in CI), else an embedded server started for the run
// (test/global-setup.ts).
export default defineConfig({
  test: {
    pool: 'forks',
    // Two files at a time, whatever the core count (vitest's default is cores − 1: one on a
    // 2-core CI machine). The suite waits more than it computes (child servers, timers,
    // PostgreSQL), so the second file mostly fills the first one's waits.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          // test/faults/ is the fault suite: `npm run test:faults` (vitest.faults.config.ts).
          exclude: ['**/node_modules/**', 'test/fixtures/**', 'test/faults/**'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // expect.poll waits for what a browser or a child server shows: 1 s (the default) is
          // too short on 2 cores running two files, Chromium and servers at once.
          expect: { poll: { timeout: 15_000 } },
        },
      },
      'web/vitest.config.ts',
    ],
  },
});
