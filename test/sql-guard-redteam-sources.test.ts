// The red team against sources and files. A source that is down (a closed port), slow (a server
// that accepts and never speaks), broken (one that speaks garbage or hangs up) or that refuses a
// login or a query answers a 4xx or 503 problem+json naming the source, within its connect
// timeout, never a 500, through every door (queries, downloads, profiles, saved questions). A bad
// file (a zip bomb dressed as XLSX, an XLSX whose entries lie about their size, one with more
// entries than allowed, entities that expand or reach out, JSON nested deep enough to crash
// DuckDB, a broken CSV, text that is not UTF-8, a file over the upload cap) is refused with a
// clear error and nothing half-stored: the org's stored files, the source's files and database,
// and the files on disk are as they were.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import {
  type Canary,
  connectionOf,
  createCanary,
  expectProblemOf,
  expectSourceProblem,
  filesSnapshot,
  MYSQL_URL,
  mysqlAnswers,
  PG_URL,
  redteamEnv,
  sender,
} from './redteam-fixture.ts';
import { orgUrl } from './time-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

interface Source {
  id: string;
  name: string;
}

const UPLOAD_MAX_BYTES = 5_000_000;
let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let canary: Canary;
let dataDir: string;
let send: ReturnType<typeof sender>;
let mysqlUp = false;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

/** A TCP server on 127.0.0.1 that treats each connection with `onConnection`; its port. */
async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function addSource(body: Record<string, unknown>): Promise<Source> {
  const res = await t.request({ method: 'POST', url: orgUrl(w.orgId, '/data-sources'), headers: bearer(w.admin.accessToken), payload: body as never });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id, name: body.name as string };
}

const connection = (port: number) => ({ host: '127.0.0.1', port, database: 'shop', user: 'reader', password: 'pw', connectTimeoutSeconds: 1 });

beforeAll(async () => {
  canary = createCanary();
  dataDir = mkdtempSync(join(tmpdir(), 'trellis-redteam-sources-'));
  t = await createTestApp({ env: redteamEnv(dataDir, { STORAGE_MAX_UPLOAD_BYTES: String(UPLOAD_MAX_BYTES) }) });
  w = await orgWithRoles(t);
  send = sender(t, () => [canary.secret]);
  mysqlUp = await mysqlAnswers();
}, 60_000);

afterAll(async () => {
  await t?.close();
  for (const socket of sockets) socket.destroy();
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
  canary?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('a source that is down, slow, broken or refusing', () => {
  /** Every door that runs a query on `source` (or those named) answers `status` `code` naming it, within `withinMs`. */
  async function everyDoor(source: Source, status: number, code: string, withinMs: number, only?: string[]) {
    const sql = 'SELECT 1 AS one';
    const saved = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: source.id, name: `on ${source.name} ${randomBytes(3).toString('hex')}`, sql });
    expect(saved.res.statusCode, saved.res.body).toBe(201);
    const doors: [string, string, Record<string, unknown>][] = [
      ['query', '/queries', { dataSourceId: source.id, sql }],
      ['download', '/queries/download', { dataSourceId: source.id, sql, format: 'csv' }],
      ['profile', '/queries/profile', { dataSourceId: source.id, sql }],
      ['saved question', `/questions/${saved.res.json().id}/run`, {}],
    ];
    for (const [door, path, payload] of doors.filter(([door]) => !only || only.includes(door))) {
      const { res, ms } = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, path), payload);
      const body = expectSourceProblem(res, status, code, source, `${door} on ${source.name}`);
      expect(ms, `${door} on ${source.name}`).toBeLessThan(withinMs);
      expect(body.detail).toContain(source.name);
    }
  }

  it('a closed port: 503 DATA_SOURCES.UNREACHABLE naming the source, at once; the connection test says so in plain words', async () => {
    const port = await closedPort();
    for (const kind of ['postgres', 'mysql']) {
      const source = await addSource({ name: `Closed ${kind}`, kind, connection: connection(port) });
      await everyDoor(source, 503, 'DATA_SOURCES.UNREACHABLE', 1500);
      const tested = (await send(w.admin.accessToken, 'POST', orgUrl(w.orgId, `/data-sources/${source.id}/test`))).res.json();
      expect(tested).toMatchObject({ ok: false, serverVersion: null, error: { kind: 'unreachable' } });
      expect(tested.error.message).toContain(`127.0.0.1:${port}`);
    }
  });

  it('a server that accepts and never answers: 503 after the connect timeout (1 s), not the query deadline', async () => {
    const port = await tcpServer(() => {});
    // Each wait is a second: the two kinds wait side by side, through two doors each.
    await Promise.all(
      ['postgres', 'mysql'].map(async (kind) => {
        const source = await addSource({ name: `Silent ${kind}`, kind, connection: connection(port) });
        await everyDoor(source, 503, 'DATA_SOURCES.UNREACHABLE', 2000, ['query', 'download']);
        const { res, ms } = await send(w.admin.accessToken, 'POST', orgUrl(w.orgId, `/data-sources/${source.id}/test`));
        expect(res.json()).toMatchObject({ ok: false, error: { kind: expect.stringMatching(/^(unreachable|timeout)$/) } });
        expect(ms).toBeLessThan(2000);
      }),
    );
  });

  it('a server that answers garbage, or hangs up at once: 503 naming the source', async () => {
    const garbage = await tcpServer((socket) => socket.end(`HTTP/1.1 400 Bad Request\r\n\r\n${randomBytes(64).toString('binary')}`));
    const hangUp = await tcpServer((socket) => socket.destroy());
    for (const [label, port] of [
      ['Garbage', garbage],
      ['Hang-up', hangUp],
    ] as const) {
      for (const kind of ['postgres', 'mysql']) {
        const source = await addSource({ name: `${label} ${kind}`, kind, connection: connection(port) });
        await everyDoor(source, 503, 'DATA_SOURCES.UNREACHABLE', 2000);
      }
    }
  });

  it('a login the server refuses, or a database it does not have: 503 naming the source, the password nowhere', async (ctx) => {
    const pg = connectionOf(PG_URL);
    const my = connectionOf(MYSQL_URL);
    if (!pg) return ctx.skip();
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const missing = await addSource({ name: 'Missing database', kind: 'postgres', connection: { ...pg, database: `redteam_missing_${randomBytes(4).toString('hex')}`, password, connectTimeoutSeconds: 2 } });
    await everyDoor(missing, 503, 'DATA_SOURCES.UNREACHABLE', 2500);
    if (my && mysqlUp) {
      const wrong = await addSource({ name: 'Wrong login', kind: 'mysql', connection: { ...my, user: `nobody_${randomBytes(4).toString('hex')}`, password, connectTimeoutSeconds: 2 } });
      const { res } = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries'), { dataSourceId: wrong.id, sql: 'SELECT 1' });
      const body = expectSourceProblem(res, 503, 'DATA_SOURCES.UNREACHABLE', wrong);
      expect(body.detail).toMatch(/refused the login/);
      expect(res.body).not.toContain(password);
    }
  });

  it('a query the source refuses: 422 DATA_SOURCES.QUERY_FAILED naming the source, on every kind', async (ctx) => {
    const pg = connectionOf(PG_URL);
    if (!pg) return ctx.skip();
    const files = await addSource({ name: 'Errors (files)', kind: 'files' });
    // A files source with no file yet has nothing to query.
    expectSourceProblem((await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries'), { dataSourceId: files.id, sql: 'SELECT 1' })).res, 422, 'DATA_SOURCES.QUERY_FAILED', files);
    const up = await t.request({ method: 'POST', url: orgUrl(w.orgId, `/data-sources/${files.id}/files?name=numbers.csv`), headers: { ...bearer(w.admin.accessToken), 'content-type': 'text/csv' }, payload: 'n\n1\n2\n' });
    expect(up.statusCode, up.body).toBe(201);
    const cases: [Source, string][] = [
      [await addSource({ name: 'Errors (PostgreSQL)', kind: 'postgres', connection: { ...pg, connectTimeoutSeconds: 2 } }), 'SELECT nope FROM pg_catalog.pg_class'],
      [files, 'SELECT nope FROM numbers'],
      [files, "SELECT CAST('x' AS INTEGER)"],
      [await addSource({ name: 'Errors (workspace)', kind: 'workspace' }), 'SELECT nope FROM projects'],
    ];
    const my = connectionOf(MYSQL_URL);
    if (my && mysqlUp) cases.push([await addSource({ name: 'Errors (MariaDB)', kind: 'mysql', connection: { ...my, connectTimeoutSeconds: 2 } }), 'SELECT nope FROM information_schema.tables']);
    for (const [source, sql] of cases) {
      for (const s of [sql, 'SELECT 1 / 0 AS x']) {
        const { res } = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries'), { dataSourceId: source.id, sql: s });
        // MySQL and MariaDB answer NULL for a division by zero.
        if (s === 'SELECT 1 / 0 AS x' && source.name.includes('MariaDB')) {
          expect(res.json().rows).toEqual([[null]]);
          continue;
        }
        if (s === 'SELECT 1 / 0 AS x' && source.name.includes('files')) {
          expect(res.json().rows).toEqual([['Infinity']]); // DuckDB divides floats: infinity, as text in JSON
          continue;
        }
        expectSourceProblem(res, 422, 'DATA_SOURCES.QUERY_FAILED', source, `${source.name}: ${s}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('a bad file is refused with a clear error and nothing half-stored', () => {
  let source: Source;
  const upload = (name: string, body: Buffer | string) =>
    t.request({ method: 'POST', url: orgUrl(w.orgId, `/data-sources/${source.id}/files?name=${encodeURIComponent(name)}`), headers: { ...bearer(w.admin.accessToken), 'content-type': 'application/octet-stream' }, payload: body });

  /** Every file under a folder, with its size, relative to it. */
  function listing(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(relative(dataDir, p));
      }
    };
    walk(dir);
    return out.sort();
  }
  const state = async () => ({ db: await filesSnapshot(t, source.id), files: listing(join(dataDir, 'files')), view: (await send(w.member.accessToken, 'GET', orgUrl(w.orgId, `/data-sources/${source.id}`))).res.json().files });

  /** Sends a file the source must refuse; checks the answer and that nothing changed. */
  async function refused(name: string, body: Buffer | string, status: number, code: string, detail: RegExp) {
    const before = await state();
    const res = await upload(name, body);
    expect(res.statusCode, `${name}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
    expect(res.body).not.toContain(canary.secret);
    const problem = expectProblemOf(res, status, code, name);
    expect(problem.detail, name).toMatch(detail);
    expect(await state(), `${name} left something behind`).toEqual(before);
    // The source still answers from the files it had.
    const q = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/queries'), { dataSourceId: source.id, sql: 'SELECT sum(amount) AS total FROM sales', fresh: true });
    expect(q.res.json().rows).toEqual([[42.5]]);
  }

  async function zipOf(entries: [string, Buffer | (() => Readable)][]): Promise<Buffer> {
    const zip = new yazl.ZipFile();
    for (const [name, data] of entries) {
      // Entries of a few bytes are stored as they are: deflating ten thousand of them is slow.
      if (Buffer.isBuffer(data)) zip.addBuffer(data, name, { compress: data.length > 64 });
      else zip.addReadStream(data(), name, { compress: true });
    }
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** `bytes` zeros, streamed a mebibyte at a time (never held whole). */
  const zeros = (bytes: number) => () =>
    Readable.from(
      (function* () {
        const chunk = Buffer.alloc(1024 * 1024);
        for (let left = bytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
      })(),
    );

  const workbookParts = (sheet: string): [string, Buffer][] => [
    ['[Content_Types].xml', Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')],
    ['_rels/.rels', Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')],
    ['xl/workbook.xml', Buffer.from('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')],
    ['xl/_rels/workbook.xml.rels', Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')],
    ['xl/worksheets/sheet1.xml', Buffer.from(sheet)],
  ];
  const sheetXml = (doctype: string, cell: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>${doctype}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>${cell}</t></is></c></row></sheetData></worksheet>`;

  beforeAll(async () => {
    source = await addSource({ name: 'Uploads', kind: 'files' });
    const first = await upload('sales.csv', 'region,amount\nnorth,10\nsouth,32.5\n');
    expect(first.statusCode, first.body).toBe(201);
  });

  it('a zip bomb dressed as XLSX: 300 MB of zeros in a sheet of 300 KB', async () => {
    const bomb = await zipOf([...workbookParts(sheetXml('', 'x')).slice(0, 4), ['xl/worksheets/sheet1.xml', zeros(300 * 1024 * 1024)]]);
    expect(bomb.length).toBeLessThan(UPLOAD_MAX_BYTES);
    await refused('bomb.xlsx', bomb, 422, 'DATA_SOURCES.FILE_REFUSED', /unpacks to more than 200 MiB/);
  });

  it('a sheet compressed a thousand to one, under the total cap', async () => {
    const bomb = await zipOf([...workbookParts(sheetXml('', 'x')).slice(0, 4), ['xl/worksheets/sheet1.xml', zeros(20 * 1024 * 1024)]]);
    await refused('dense.xlsx', bomb, 422, 'DATA_SOURCES.FILE_REFUSED', /compressed more than 200 to 1 \(a zip bomb\)/);
  });

  it('an XLSX whose entry lies about its size: it inflates to more than it declares', async () => {
    const zip = await zipOf([...workbookParts(sheetXml('', 'x')).slice(0, 4), ['xl/worksheets/sheet1.xml', Buffer.alloc(4 * 1024 * 1024, 0x20)]]);
    // Rewrite the sheet's uncompressed size to 1,000 bytes, in its local header and in the central directory alike.
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    const local = zip.indexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04])]), zip.indexOf(name) - 30);
    expect(zip.subarray(local + 30, local + 30 + name.length).equals(name)).toBe(true);
    zip.writeUInt32LE(1000, local + 22);
    const central = zip.lastIndexOf(name) - 46;
    expect(zip.readUInt32LE(central)).toBe(0x02014b50);
    zip.writeUInt32LE(1000, central + 24);
    await refused('liar.xlsx', zip, 422, 'DATA_SOURCES.FILE_REFUSED', /larger than it declares/);
  });

  it('an XLSX of ten thousand and one entries', async () => {
    const many: [string, Buffer][] = [...workbookParts(sheetXml('', 'x'))];
    for (let i = 0; many.length <= 10_000; i++) many.push([`xl/media/n${i}.bin`, Buffer.from('x')]);
    await refused('many.xlsx', await zipOf(many), 422, 'DATA_SOURCES.FILE_REFUSED', /holds 10001 entries \(at most 10000\)/);
  });

  it('entities in a sheet: a billion laughs, and one that names the canary file, are never expanded', async () => {
    const laughs = `<!DOCTYPE worksheet [<!ENTITY l0 "ha">${Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('')}]>`;
    await refused('laughs.xlsx', await zipOf(workbookParts(sheetXml(laughs, '&l9;'))), 422, 'DATA_SOURCES.FILE_REFUSED', /could not be read as an XLSX workbook/);
    const external = `<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file://${canary.path}">]>`;
    await refused('external.xlsx', await zipOf(workbookParts(sheetXml(external, '&secret;'))), 422, 'DATA_SOURCES.FILE_REFUSED', /could not be read as an XLSX workbook/);
  });

  it('a real workbook cut short', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Data').addRows([['name'], ['a'], ['b']]);
    const whole = Buffer.from(await book.xlsx.writeBuffer());
    await refused('cut.xlsx', whole.subarray(0, Math.floor(whole.length / 2)), 422, 'DATA_SOURCES.FILE_REFUSED', /not a zip archive/);
  });

  it('JSON nested a hundred thousand deep, which crashed DuckDB and the server with it', async () => {
    const deep = `{"a":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`;
    await refused('deep.json', deep, 422, 'DATA_SOURCES.FILE_REFUSED', /nests arrays or objects more than 1000 deep/);
    await refused('deep.ndjson', `{"a":1}\n${deep}\n`, 422, 'DATA_SOURCES.FILE_REFUSED', /nests arrays or objects more than 1000 deep/);
  });

  it('a broken CSV, text that is not UTF-8, an empty file, a file over the upload cap', async () => {
    await refused('ragged.csv', 'a,b\n1,2,3,4\n"unterminated\n', 422, 'DATA_SOURCES.FILE_REFUSED', /not a well-formed CSV|different number of fields/);
    await refused('latin1.csv', Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xe9, 0xe8, 0x2c, 0x31, 0x0a]), 422, 'DATA_SOURCES.FILE_REFUSED', /not UTF-8/);
    await refused('empty.csv', '', 422, 'DATA_SOURCES.FILE_REFUSED', /empty/);
    await refused('huge.csv', `n\n${'1\n'.repeat(UPLOAD_MAX_BYTES / 2 + 10)}`, 413, 'STORAGE.TOO_LARGE', /./);
  });
});
