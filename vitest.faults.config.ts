import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`, docs/reliability.md): real processes on a PostgreSQL
// and a Redis the suite starts itself, faults injected one after another. Apart from the main
// suite: it takes minutes, stops and kills its servers, and measures latency, so it runs alone.
export default defineConfig({
  test: {
    pool: 'forks',
    // The scenarios run in order in one file; the webhook crash test (mostly waiting on the job
    // queue's timers) runs beside them.
    maxWorkers: 2,
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
