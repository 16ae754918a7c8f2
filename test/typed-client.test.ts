// The typed client in clients/typescript (issue #19): its generated files are those of the
// server's document (CI fails while they are stale), the generated types name every operation
// and schema, the client compiles in a strict user's project, and the sample a user would
// write runs against a listening server.
//
// The root typecheck does not read clients/: it has a tsconfig of its own, stricter than the
// root's (noUncheckedIndexedAccess, exactOptionalPropertyTypes, no skipLibCheck, DOM types and
// no Node types), which the compile tests below apply. So this file loads the client and the
// sample at run time, through the small interfaces declared here.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../scripts/client-document.ts';
import { CLIENT_DIR, CONSOLE_SCHEMA, GENERATED, generateClientFiles } from '../scripts/client-generate.ts';
import { createTestApp, signUp, type TestApp } from './harness.ts';

const SAMPLE = join(CLIENT_DIR, 'examples/time-entries.ts');

interface Sample {
  trackTime(input: { baseUrl: string; token: string; slug: string }): Promise<{
    orgId: string;
    entry: { id: string };
    clashIds: string[];
    listed: { id: string }[];
    pageLimit: number;
  }>;
}

type Answer = { data?: any; error?: any; response: Response };
interface ClientModule {
  createTrellisClient(options: { baseUrl: string; token?: string | (() => Promise<string>); requestId?: () => string }): {
    GET(path: string, init?: object): Promise<Answer>;
  };
  requestIdOf(answer: Answer): string | null;
}

const load = async <T>(file: string): Promise<T> => import(pathToFileURL(file).href);

let t: TestApp;
let text: string;
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.request({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  text = res.body;
});
afterAll(async () => t?.close());

let listening: Promise<string> | undefined;
/** The test app on a real socket (the client speaks HTTP), listened to once: its API's URL. */
const serverUrl = () =>
  (listening ??= t.app.http.listen({ port: 0, host: '127.0.0.1' }).then(() => `http://127.0.0.1:${(t.app.http.server.address() as AddressInfo).port}/api/v1`));

describe('clients/typescript is current', () => {
  it('is built from the same document as the server publishes, without a database, identically twice', async () => {
    // `npm run client` builds the document offline (scripts/client-document.ts): it must be
    // the document of an app on a real database, and the same on every run.
    const first = JSON.stringify(await buildOpenApiDocument());
    const second = JSON.stringify(await buildOpenApiDocument());
    expect(second === first, 'two offline builds differ').toBe(true);
    expect(first === JSON.stringify(JSON.parse(text)), 'the offline document differs from /openapi.json').toBe(true);
  });

  it('holds the generated files of /openapi.json', async () => {
    const files = await generateClientFiles(JSON.parse(text));
    const stale = Object.entries(files)
      .filter(([name, expected]) => readFileSync(join(CLIENT_DIR, name), 'utf8') !== expected)
      .map(([name]) => name);
    expect(stale, 'clients/typescript is out of date: run npm run client').toEqual([]);
  });

  it("holds the web console's types of /openapi.json (web/src/api/schema.d.ts)", async () => {
    const files = await generateClientFiles(JSON.parse(text));
    expect(readFileSync(CONSOLE_SCHEMA, 'utf8') === files[GENERATED.types], 'web/src/api/schema.d.ts is out of date: run npm run client').toBe(true);
  });
});

describe('the generated types', () => {
  const source = () => ts.createSourceFile(GENERATED.types, readFileSync(join(CLIENT_DIR, GENERATED.types), 'utf8'), ts.ScriptTarget.Latest, true);

  it('have one operation per operationId, the webhooks receivers get included', () => {
    const spec = JSON.parse(text);
    const ids = [...Object.values<Record<string, any>>(spec.paths), ...Object.values<Record<string, any>>(spec.webhooks ?? {})].flatMap((item) =>
      Object.values(item)
        .map((op) => op?.operationId)
        .filter((id): id is string => typeof id === 'string'),
    );
    expect(ids).toContain('receiveTimeEntryCreated');
    const operations = source().statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'operations');
    const members = operations?.members.map((m) => (m.name && ts.isIdentifier(m.name) ? m.name.text : m.getText())) ?? [];
    expect(members.sort()).toEqual([...ids].sort());
  });

  it('export a type named after each schema of the document', () => {
    // `import type { TimeEntry } from '@trellis/client'`: one alias per named schema.
    const aliased = new Set(
      source()
        .statements.filter((s) => ts.isTypeAliasDeclaration(s) && s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
        .map((s) => (s as ts.TypeAliasDeclaration).type.getText().replaceAll('"', "'")),
    );
    const missing = Object.keys(JSON.parse(text).components.schemas).filter((name) => !aliased.has(`components['schemas']['${name}']`));
    expect(missing).toEqual([]);
  });
});

/** The diagnostics of compiling these files of clients/typescript with its tsconfig.json. */
function compile(which: (file: string) => boolean): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(CLIENT_DIR, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('clients/typescript/tsconfig.json could not be read');
  expect(parsed.options.strict).toBe(true);
  const program = ts.createProgram({ rootNames: parsed.fileNames.filter(which), options: parsed.options });
  return [...parsed.errors, ...ts.getPreEmitDiagnostics(program)].map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1} ` : '';
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

describe('the client', () => {
  it('compiles in strict mode, with noUncheckedIndexedAccess and exactOptionalPropertyTypes', () => {
    expect(compile((file) => file.startsWith(join(CLIENT_DIR, 'src')))).toEqual([]);
  }, 60_000);

  it('sends the token and a request id of the caller, and reads it back; a problem is the error', async () => {
    const baseUrl = await serverUrl();
    const { createTrellisClient, requestIdOf } = await load<ClientModule>(join(CLIENT_DIR, 'src/index.ts'));
    const { userId, accessToken } = await signUp(t);

    const me = await createTrellisClient({ baseUrl, token: async () => accessToken, requestId: () => 'client-test-1' }).GET('/users/me');
    expect(me.error).toBeUndefined();
    expect(me.data.id).toBe(userId);
    expect(requestIdOf(me)).toBe('client-test-1');

    const anonymous = await createTrellisClient({ baseUrl }).GET('/users/me');
    expect(anonymous.data).toBeUndefined();
    expect(anonymous.error).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', requestId: requestIdOf(anonymous) });
  });
});

describe('the sample (clients/typescript/examples/time-entries.ts)', () => {
  it('has no cast, no non-null assertion, no any and no @ts- directive', () => {
    const code = readFileSync(SAMPLE, 'utf8');
    // The grep a reviewer would run, on the lines that are not comments…
    const lines = code.split('\n').filter((line) => !line.trim().startsWith('//'));
    expect(lines.filter((line) => / as |\bany\b/.test(line))).toEqual([]);
    expect(code).not.toMatch(/@ts-(ignore|expect-error|nocheck)/);
    // …and the syntax tree, which no formatting hides a cast from.
    const found: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node) || node.kind === ts.SyntaxKind.AnyKeyword) {
        found.push(node.getText());
      }
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile(SAMPLE, code, ts.ScriptTarget.Latest, true));
    expect(found).toEqual([]);
  });

  it('runs against a listening server: the overlap names the first entry, the list has the default page size', async () => {
    const baseUrl = await serverUrl();
    const { accessToken } = await signUp(t);
    const { trackTime } = await load<Sample>(SAMPLE);

    const result = await trackTime({ baseUrl, token: accessToken, slug: `sample-${Math.random().toString(36).slice(2, 10)}` });
    expect(result.clashIds).toEqual([result.entry.id]);
    expect(result.listed.map((e) => e.id)).toEqual([result.entry.id]);
    expect(result.pageLimit).toBe(20);
  });

  // The sample as a user writes it: `import type { TimeEntry }` (a named schema), a list with no
  // `limit`, `error.code === 'TIME.ENTRY_OVERLAP'` narrowing the union of the operation's
  // problems (each code a literal), then `error.clashes`, all with no cast.
  it('compiles in strict mode: lists without limit, narrows a problem by code, reads clashes, with no cast', () => {
    expect(compile(() => true)).toEqual([]);
  }, 60_000);
});
