import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { caught } from '../test-support.ts';
import { delimiterOf, ingestFiles } from './ingest.ts';

const dir = mkdtempSync(join(tmpdir(), 'trellis-ingest-'));
const uploads = join(dir, 'uploads');
let n = 0;

function upload(name: string, content: string | Buffer): string {
  const path = join(uploads, `${++n}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** A fresh folder for one source's database. */
function target(): { into: string; folder: string } {
  const folder = join(dir, `source-${++n}`);
  mkdirSync(folder);
  return { into: join(folder, 'source.duckdb'), folder };
}

async function query(path: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const conn = await instance.connect();
    const rows = (await conn.runAndReadAll(sql)).getRowsJson() as unknown[][];
    conn.closeSync();
    return rows;
  } finally {
    instance.closeSync();
  }
}

let xlsxPath: string;
let parquetPath: string;

beforeAll(async () => {
  mkdirSync(uploads);
  const book = new ExcelJS.Workbook();
  const hours = book.addWorksheet('Hours 2024');
  hours.addRow(['Client', 'Hours', 'Day', 'Billable', 'Total', 'Mixed']);
  hours.addRow(['Acme', 7.5, new Date(Date.UTC(2024, 0, 2)), true, { formula: 'B2*100', result: 750 }, 1]);
  hours.addRow([{ richText: [{ text: 'Glo' }, { text: 'bex' }] }, 3, new Date(Date.UTC(2024, 0, 3, 10, 30)), false, { formula: 'B3*100', result: 300 }, 'two']);
  book.addWorksheet('Empty');
  const notes = book.addWorksheet('Notes');
  notes.addRow(['k', 'v']);
  notes.addRow(['a', 1]);
  xlsxPath = join(uploads, 'book.xlsx');
  await book.xlsx.writeFile(xlsxPath);

  parquetPath = join(uploads, 'events.parquet');
  const mem = await DuckDBInstance.create(':memory:');
  const conn = await mem.connect();
  await conn.run(`COPY (SELECT range AS id, 'e' || range AS name FROM range(25)) TO '${parquetPath}' (FORMAT parquet)`);
  conn.closeSync();
  mem.closeSync();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ingestFiles', () => {
  it('makes one table per file (per worksheet), named after it, from every format', async () => {
    const { into, folder } = target();
    const result = await ingestFiles({
      into,
      files: [
        { path: upload('hours.csv', 'client,hours,day\nAcme,7.5,2024-01-02\nGlobex,3,2024-01-03\n'), fileName: 'Hours.csv' },
        { path: upload('hours2.csv', 'client;hours\nAcme;1\n'), fileName: 'hours.csv' },
        { path: upload('t.tsv', 'a\tb\n1\tx\n'), fileName: 'data.tsv' },
        { path: upload('a.json', '[{"a":1,"b":"x"},{"a":2,"b":"y"}]'), fileName: 'select.json' },
        { path: upload('n.ndjson', '{"a":1}\n{"a":2,"b":[1,2]}\n'), fileName: '2024 events.ndjson' },
        { path: parquetPath, fileName: 'events.parquet' },
        { path: xlsxPath, fileName: 'Book.xlsx' },
      ],
    });
    expect(result.tables.map((t) => [t.name, t.fileName, t.sheet, t.rowCount])).toEqual([
      ['hours', 'Hours.csv', null, 2],
      ['hours_2', 'hours.csv', null, 1],
      ['data', 'data.tsv', null, 1],
      ['select_t', 'select.json', null, 2],
      ['t_2024_events', '2024 events.ndjson', null, 2],
      ['events', 'events.parquet', null, 25],
      ['book_hours_2024', 'Book.xlsx', 'Hours 2024', 2],
      ['book_notes', 'Book.xlsx', 'Notes', 1],
    ]);
    expect(result.tables[0].columns).toEqual([
      { name: 'client', dbType: 'VARCHAR', type: 'text' },
      { name: 'hours', dbType: 'DOUBLE', type: 'number' },
      { name: 'day', dbType: 'DATE', type: 'date' },
    ]);
    expect(result.tables[6].columns.map((c) => [c.name, c.type])).toEqual([
      ['Client', 'text'],
      ['Hours', 'number'],
      ['Day', 'timestamp'],
      ['Billable', 'boolean'],
      ['Total', 'integer'],
      ['Mixed', 'text'],
    ]);
    expect(await query(into, 'SELECT "Client", "Total", "Day"::VARCHAR, "Mixed" FROM book_hours_2024 ORDER BY 1')).toEqual([
      ['Acme', '750', '2024-01-02 00:00:00', '1'],
      ['Globex', '300', '2024-01-03 10:30:00', 'two'],
    ]);
    expect(result.bytes).toBeGreaterThan(0);
    // Only the database is left: no scratch folder, no WAL.
    expect(readdirSync(folder)).toEqual(['source.duckdb']);
  });

  it('refuses a CSV whose lines do not have the same number of fields, and stores nothing', async () => {
    const { into, folder } = target();
    const err = await caught(() => ingestFiles({ into, files: [{ path: upload('b.csv', 'id;name\n1;alice\n2;bob;x\n'), fileName: 'broken.csv' }] }));
    expect(err.kind).toBe('file');
    expect(err.message).toBe('broken.csv is not a well-formed CSV file: its lines do not all have the same number of fields.');
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses a CSV that is not UTF-8, naming the line', async () => {
    const { into } = target();
    const err = await caught(() => ingestFiles({ into, files: [{ path: upload('l.csv', Buffer.from('id,name\n1,caf\xe9\n', 'latin1')), fileName: 'latin1.csv' }] }));
    expect(err.kind).toBe('file');
    expect(err.message).toMatch(/^latin1\.csv is not UTF-8 text \(line \d+\): save it as UTF-8 and upload it again\.$/);
  });

  it('refuses a zip bomb pretending to be an XLSX, and a text file pretending to be one', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('<workbook/>'), 'xl/workbook.xml');
    zip.addBuffer(Buffer.alloc(16 * 1024 * 1024), 'xl/worksheets/sheet1.xml', { compress: true });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    const { into } = target();
    const bomb = await caught(() => ingestFiles({ into, files: [{ path: upload('bomb.xlsx', Buffer.concat(chunks)), fileName: 'bomb.xlsx' }] }));
    expect(bomb.kind).toBe('file');
    expect(bomb.message).toContain('zip bomb');
    const fake = await caught(() => ingestFiles({ into, files: [{ path: upload('fake.xlsx', 'a,b\n1,2\n'), fileName: 'fake.xlsx' }] }));
    expect(fake.message).toBe('fake.xlsx was refused: it is not an XLSX workbook (not a zip archive).');
  });

  it('refuses going past the row cap, and keeps the previous database', async () => {
    const { into } = target();
    await ingestFiles({ into, files: [{ path: upload('ok.csv', 'a\n1\n2\n'), fileName: 'ok.csv' }] });
    const err = await caught(() =>
      ingestFiles({
        into,
        files: [
          { path: upload('a.csv', 'a\n1\n2\n3\n'), fileName: 'a.csv' },
          { path: upload('b.csv', 'b\n1\n2\n3\n'), fileName: 'b.csv' },
        ],
        limits: { maxRows: 5 },
      }),
    );
    expect(err.kind).toBe('too_large');
    expect(err.message).toBe('b.csv goes past the 5 rows an ingestion may hold.');
    expect(await query(into, 'SELECT table_name FROM duckdb_tables()')).toEqual([['ok']]);
  });

  it('refuses files over the byte caps before reading them', async () => {
    const { into } = target();
    const err = await caught(() => ingestFiles({ into, files: [{ path: upload('big.csv', 'a\n'.repeat(1000)), fileName: 'big.csv' }], limits: { maxFileBytes: 100 } }));
    expect(err.kind).toBe('too_large');
    expect(err.message).toBe('big.csv is larger than 100 bytes.');
  });

  it('refuses unknown formats, empty files and broken JSON or Parquet in plain words', async () => {
    const { into } = target();
    expect((await caught(() => ingestFiles({ into, files: [{ path: upload('x.xls', 'x'), fileName: 'old.xls' }] }))).message).toBe(
      'old.xls: the format is not supported (CSV, TSV, JSON, NDJSON, Parquet or XLSX).',
    );
    expect((await caught(() => ingestFiles({ into, files: [{ path: upload('e.csv', ''), fileName: 'empty.csv' }] }))).message).toBe('empty.csv is empty.');
    expect((await caught(() => ingestFiles({ into, files: [{ path: upload('j.json', '{"a": '), fileName: 'bad.json' }] }))).message).toBe('bad.json is not valid JSON.');
    expect((await caught(() => ingestFiles({ into, files: [{ path: upload('p.parquet', 'nope'), fileName: 'bad.parquet' }] }))).message).toBe('bad.parquet is not a Parquet file.');
    expect(existsSync(into)).toBe(false);
  });

  it('stops when the caller gives up, storing nothing', async () => {
    const { into, folder } = target();
    const controller = new AbortController();
    controller.abort();
    const err = await caught(() => ingestFiles({ into, files: [{ path: upload('c.csv', 'a\n1\n'), fileName: 'c.csv' }], signal: controller.signal }));
    expect(err.kind).toBe('canceled');
    expect(readdirSync(folder)).toEqual([]);
  });

  it('reads nothing but the files it was given', async () => {
    const { into } = target();
    const csv = upload('evil.csv', "a\n1\n");
    // A file name is only ever a table name: it never reaches a path.
    const result = await ingestFiles({ into, files: [{ path: csv, fileName: "/etc/passwd'); SELECT * FROM read_text('/etc/shadow.csv" }] });
    expect(result.tables.map((t) => t.name)).toEqual(['shadow']);
  });
});

describe('delimiterOf', () => {
  it('counts separators on the first line, outside quotes', () => {
    const path = upload('d.csv', '"a;b",c,d\n1;2;3;4;5\n');
    return expect(delimiterOf(path)).resolves.toBe(',');
  });
});
