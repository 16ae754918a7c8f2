// `npm run client`: regenerates the typed client's generated files (clients/typescript:
// openapi.json and src/schema.d.ts) from the app's routes. Run it after changing a route's
// schema and commit the result; CI fails while they are stale (test/typed-client.test.ts).
// The web console's types (web/src/api/schema.d.ts) are the same file, written too.
import { compileOnMainThread } from '../src/core/runtime/exit-safety.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildOpenApiDocument } from './client-document.ts';
import { CLIENT_DIR, CONSOLE_SCHEMA, GENERATED, generateClientFiles } from './client-generate.ts';

compileOnMainThread();

const files = await generateClientFiles(await buildOpenApiDocument());
const targets: [string, string][] = [...Object.entries(files).map(([name, text]): [string, string] => [join(CLIENT_DIR, name), text]), [CONSOLE_SCHEMA, files[GENERATED.types]]];
for (const [path, text] of targets) {
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
