// The console's build and dev server (docs/console.md). `npm start` builds it into web/dist
// when its sources changed (scripts/build-console.ts); `npm run dev` serves it with hot reload
// and sends /api to the API (API_URL, default http://127.0.0.1:3000).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed names under /assets/: served with a year's immutable caching (decision 0050).
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    proxy: { '/api': { target: api, changeOrigin: false }, '/health': api, '/openapi.json': api, '/docs': api },
  },
});
