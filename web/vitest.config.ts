// The console's component tests: React in happy-dom, run by `npm test` as the `web` project of
// the root vitest.config.ts. End-to-end journeys in Chromium are in test/web/.
import react from '@vitejs/plugin-react';
import { defineProject } from 'vitest/config';

export default defineProject({
  root: import.meta.dirname,
  plugins: [react()],
  test: {
    name: 'web',
    environment: 'happy-dom',
    // Relative URLs (`/api/v1/…`) resolve against the page's address, as in a browser.
    environmentOptions: { happyDOM: { url: 'http://localhost:3000/' } },
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
