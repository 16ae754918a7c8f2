// The production bundle (`npm run build`, what `npm start` runs) serves like the sources:
// it finds its migrations, the common-password list and the docs page from dist/, since
// every `import.meta.url` in the bundle is rebuilt as the URL of its source file.
import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../scripts/build.ts';
import { api, cleanupProcesses, freshStorage, mailFiles, PASSWORD, ROOT, type Server, startServer, stopGracefully, until, WAIT_MS } from './processes.ts';

// Inside the project, so the bundle's packages resolve from its node_modules.
const outDir = join(ROOT, `.build-test-${process.pid}`);
let server: Server;
let dataDir: string;

beforeAll(async () => {
  const built = await buildServer(outDir);
  expect(built.bundled).toBe(true);
  const storage = await freshStorage();
  dataDir = storage.dataDir;
  server = await startServer(dataDir, { ...storage.env, NODE_ENV: 'production', MIGRATE_ON_START: 'true' }, relative(ROOT, built.entry));
}, WAIT_MS);

afterAll(async () => {
  await cleanupProcesses();
  rmSync(outDir, { recursive: true, force: true });
}, WAIT_MS);

describe('the production bundle', () => {
  it('is one server file plus lazily loaded chunks, not the source tree', () => {
    expect(existsSync(join(outDir, 'main.js'))).toBe(true);
    expect(existsSync(join(outDir, 'src'))).toBe(false);
  });

  it('applies migrations, refuses a common password, registers, mails and serves its docs', async () => {
    const ready = await fetch(`${server.base}/health/ready`);
    expect(ready.status).toBe(200);

    const weak = await api(server, 'POST', '/auth/register', { email: 'weak@example.com', password: 'password123', displayName: 'Weak' });
    expect(weak.status).toBe(400);

    const created = await api(server, 'POST', '/auth/register', { email: 'bundle@example.com', password: PASSWORD, displayName: 'Bundle' });
    expect(created.status, created.text).toBe(201);
    await until('verification mail', () => (mailFiles(dataDir).length === 1 ? true : undefined));

    const openapi = await fetch(`${server.base}/openapi.json`);
    expect(openapi.status).toBe(200);
    const docs = await fetch(`${server.base}/docs/static/index.html`);
    expect(docs.status).toBe(200);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const { code } = await stopGracefully(server);
    expect(code).toBe(0);
  });
});
