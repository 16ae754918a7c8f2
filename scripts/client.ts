// `npm run client`: regenerates the typed client's generated files (clients/typescript:
// openapi.json and src/schema.d.ts) from the app's routes. Run it after changing a route's
// schema and commit the result; CI fails while they are stale (test/typed-client.test.ts).
import { compileOnMainThread } from '../src/core/runtime/exit-safety.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildOpenApiDocument } from './client-document.ts';
import { CLIENT_DIR, generateClientFiles } from './client-generate.ts';

compileOnMainThread();

const files = await generateClientFiles(await buildOpenApiDocument());
for (const [name, text] of Object.entries(files)) {
  const path = join(CLIENT_DIR, name);
  let before: string | undefined;
  try {
    before = readFileSync(path, 'utf8');
  } catch {
    before = undefined;
  }
  const shown = relative(process.cwd(), path);
  if (before === text) {
    process.stdout.write(`unchanged ${shown}\n`);
    continue;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`${before === undefined ? 'created' : 'updated'} ${shown}\n`);
}
