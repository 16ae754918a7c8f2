// `npm run dev`: the API from its sources, restarted on change (`node --watch src/main.ts`), and
// the web console from Vite's dev server with hot reload, which sends /api, /health, /docs and
// /openapi.json to the API. Open the console's address (http://127.0.0.1:5173 by default).
//
//   PORT       the API's port (default 3000); the console's proxy follows it
//   WEB_PORT   the console's port (default 5173)
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const apiPort = process.env.PORT ?? '3000';
process.env.API_URL ??= `http://127.0.0.1:${apiPort}`;

const api = spawn(process.execPath, ['--watch', 'src/main.ts'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PORT: apiPort } });

const { createServer } = await import('vite');
const web = await createServer({ configFile: join(ROOT, 'web/vite.config.ts') });
await web.listen();
web.printUrls();

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  api.kill('SIGTERM');
  await web.close();
  process.exit(code);
}
api.once('exit', (code) => void stop(code ?? 1));
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
