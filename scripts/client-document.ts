// The app's OpenAPI document, built without a database, a running server or any setup, for
// `npm run client` (scripts/client.ts). Why no database: see src/offline-app.ts. That this is
// the same document a running server publishes is checked in CI: test/typed-client.test.ts
// compares the checked-in copy with the /openapi.json of a test app on a real PostgreSQL.
import { buildOfflineApp } from '../src/offline-app.ts';

/** The document /openapi.json serves, as an object. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = await buildOfflineApp();
  try {
    // A copy through JSON, as a client reads it (no undefined members, no shared objects).
    return JSON.parse(JSON.stringify(app.http.swagger()));
  } finally {
    await app.close();
  }
}
