// The console's build and dev server (docs/console.md). `npm start` builds it into web/dist
// when its sources changed (scripts/build-console.ts); `npm run dev` serves it with hot reload
// and sends /api to the API (API_URL, default http://127.0.0.1:3000).
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

/**
 * The entry area's pages, fetched beside the main bundle instead of after it has run: every
 * visitor who is not signed in starts in the account area (sign-in), and so does every mailed
 * link (verify, reset). The router would ask for the chunk only once React has started.
 */
const ENTRY_AREA = 'src/areas/account/pages.ts';

function preloadEntryArea(): Plugin {
  return {
    name: 'preload-entry-area',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).filter((c) => c.type === 'chunk');
        const entry = chunks.find((c) => c.facadeModuleId?.endsWith(ENTRY_AREA));
        if (!entry) throw new Error(`preload-entry-area: no chunk for ${ENTRY_AREA}`);
        // The main bundle is the page's script already; its chunks are what the area adds.
        const main = new Set(chunks.filter((c) => c.isEntry).map((c) => c.fileName));
        return [entry.fileName, ...entry.imports.filter((file) => !main.has(file))].map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', href: `/${file}` }, injectTo: 'head' as const }));
      },
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), preloadEntryArea()],
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
