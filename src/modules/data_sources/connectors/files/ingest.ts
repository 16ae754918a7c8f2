// Builds a `files` source's DuckDB database: one native table per uploaded file (per worksheet
// for XLSX), read with DuckDB's own readers (read_csv, read_json, read_parquet). The database is
// built in a scratch folder beside its destination and renamed over it only when every file went
// in, so a failure leaves the previous database (or nothing) in place, never half of a new one.
//
// The DuckDB that reads the uploads may open those files and nothing else: external access is
// off except for the listed paths, and the configuration is locked, before the first read. JSON
// nested deeper than DuckDB's reader can take without crashing is refused first (json-depth.ts).
import { randomBytes } from 'node:crypto';
import { open, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ConnectorError } from '../errors.ts';
import type { ColumnInfo } from '../types.ts';
import { checkJsonDepth } from './json-depth.ts';
import { baseName, type FileFormat, formatOf, safeName, uniqueName } from './names.ts';
import { columnTypeOfName } from './values.ts';
import { xlsxToNdjson } from './xlsx.ts';
import { checkZip, formatBytes, type ZipLimits } from './zip-check.ts';

export interface IngestFile {
  /** Where the upload is on local disk (core/storage's copy). */
  path: string;
  /** The name the user gave it: the table is named after it; errors name it. */
  fileName: string;
  /** Taken from the file name's extension when absent. */
  format?: FileFormat;
}

export interface IngestLimits {
  /** Bytes of one uploaded file. */
  maxFileBytes: number;
  /** Bytes of all files of one ingestion. */
  maxTotalBytes: number;
  /** Rows of all tables of one ingestion; more is refused, not cut. */
  maxRows: number;
  /** Tables (files, and worksheets of XLSX files). */
  maxTables: number;
  /** Rows a CSV's column types are guessed from. */
  csvSampleRows: number;
  xlsx: ZipLimits;
  /** The ingesting DuckDB's threads and memory. */
  threads: number;
  memoryLimit: string;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxFileBytes: 100 * 1024 * 1024,
  maxTotalBytes: 500 * 1024 * 1024,
  maxRows: 10_000_000,
  maxTables: 100,
  csvSampleRows: 20_480,
  xlsx: { maxUncompressedBytes: 200 * 1024 * 1024, maxEntries: 10_000, maxRatio: 200 },
  threads: 2,
  memoryLimit: '512MB',
};

export interface IngestedTable {
  name: string;
  fileName: string;
  /** The worksheet an XLSX table came from. */
  sheet: string | null;
  format: FileFormat;
  rowCount: number;
  columns: ColumnInfo[];
}

export interface IngestResult {
  tables: IngestedTable[];
  /** Size of the database file written. */
  bytes: number;
}

interface Planned {
  file: IngestFile;
  format: FileFormat;
  size: number;
}

/** One read into one table. */
interface Load {
  file: IngestFile;
  format: FileFormat;
  sheet: string | null;
  /** What DuckDB reads: the upload itself, or a worksheet converted to NDJSON. */
  source: string;
  wantedName: string;
}

export async function ingestFiles(input: { files: IngestFile[]; into: string; limits?: Partial<IngestLimits>; signal?: AbortSignal }): Promise<IngestResult> {
  const limits: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...input.limits, xlsx: { ...DEFAULT_INGEST_LIMITS.xlsx, ...input.limits?.xlsx } };
  const signal = input.signal ?? new AbortController().signal;
  if (input.files.length === 0) throw new ConnectorError('file', 'No file to ingest.', 'NO_FILES');
  const planned = await plan(input.files, limits);

  const work = await mkdtemp(join(dirname(input.into), `.ingest-${randomBytes(4).toString('hex')}-`));
  const building = join(work, 'source.duckdb');
  let instance: DuckDBInstance | null = null;
  let connection: DuckDBConnection | null = null;
  try {
    const loads = await prepareLoads(planned, work, limits, signal);
    if (loads.length > limits.maxTables) throw new ConnectorError('too_large', `These files make ${loads.length} tables; at most ${limits.maxTables} are allowed.`, 'TOO_MANY_TABLES');
    instance = await DuckDBInstance.create(building, {
      threads: String(limits.threads),
      memory_limit: limits.memoryLimit,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    connection = await instance.connect();
    const conn = connection;
    const onAbort = () => conn.interrupt();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await conn.run(`SET allowed_paths = [${loads.map((l) => literal(l.source)).join(', ')}]`);
      await conn.run('SET enable_external_access = false');
      await conn.run('SET lock_configuration = true');
      const reserved = await reservedWords(conn);
      const taken = new Set<string>();
      const tables: IngestedTable[] = [];
      let rows = 0;
      for (const load of loads) {
        signal.throwIfAborted();
        const name = uniqueName(load.wantedName, taken, reserved);
        const rowCount = await loadTable(conn, name, load, limits, limits.maxRows - rows);
        rows += rowCount;
        tables.push({ name, fileName: load.file.fileName, sheet: load.sheet, format: load.format, rowCount, columns: await columnsOf(conn, name) });
      }
      await conn.run('CHECKPOINT');
      conn.closeSync();
      connection = null;
      instance.closeSync();
      instance = null;
      await rename(building, input.into);
      const { size } = await stat(input.into);
      return { tables, bytes: size };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  } catch (err) {
    if (signal.aborted) throw new ConnectorError('canceled', 'The ingestion was canceled.', 'CANCELED');
    if (err instanceof ConnectorError) throw err;
    // Anything else (a full disk, DuckDB failing outside a read) is told without its paths.
    let reason = ((err as Error)?.message ?? String(err)).split('\n')[0];
    for (const f of input.files) reason = reason.split(f.path).join(f.fileName);
    reason = reason.split(work).join('…').split(input.into).join('…');
    throw new ConnectorError('file', `The files could not be stored for querying: ${reason}`, 'INGEST_FAILED');
  } finally {
    connection?.closeSync();
    instance?.closeSync();
    await rm(work, { recursive: true, force: true });
  }
}

/** Formats and sizes, checked before anything is read. */
async function plan(files: IngestFile[], limits: IngestLimits): Promise<Planned[]> {
  let total = 0;
  const planned: Planned[] = [];
  for (const file of files) {
    const format = file.format ?? formatOf(file.fileName);
    if (!format) throw new ConnectorError('file', `${file.fileName}: the format is not supported (CSV, TSV, JSON, NDJSON, Parquet or XLSX).`, 'UNSUPPORTED_FORMAT');
    const info = await stat(file.path).catch(() => null);
    if (!info?.isFile()) throw new ConnectorError('file', `${file.fileName} could not be found.`, 'FILE_MISSING');
    if (info.size === 0) throw new ConnectorError('file', `${file.fileName} is empty.`, 'EMPTY_FILE');
    if (info.size > limits.maxFileBytes) throw new ConnectorError('too_large', `${file.fileName} is larger than ${formatBytes(limits.maxFileBytes)}.`, 'FILE_TOO_LARGE');
    total += info.size;
    if (total > limits.maxTotalBytes) throw new ConnectorError('too_large', `These files are larger than ${formatBytes(limits.maxTotalBytes)} together.`, 'FILES_TOO_LARGE');
    planned.push({ file, format, size: info.size });
  }
  return planned;
}

/** XLSX files are checked as zips and converted to one NDJSON file per worksheet; the others are read as they are. */
async function prepareLoads(planned: Planned[], work: string, limits: IngestLimits, signal: AbortSignal): Promise<Load[]> {
  const loads: Load[] = [];
  let xlsxRows = 0;
  for (const [i, { file, format }] of planned.entries()) {
    const base = safeName(baseName(file.fileName));
    if (format !== 'xlsx') {
      if (format === 'json' || format === 'ndjson') await checkJsonDepth(file.path, file.fileName);
      loads.push({ file, format, sheet: null, source: file.path, wantedName: base });
      continue;
    }
    await checkZip(file.path, file.fileName, limits.xlsx);
    const sheets = await xlsxToNdjson(file.path, file.fileName, work, `xlsx-${i}`, {
      maxRows: limits.maxRows - xlsxRows,
      maxBytes: limits.xlsx.maxUncompressedBytes,
      signal,
    });
    for (const s of sheets) {
      xlsxRows += s.rows;
      loads.push({ file, format, sheet: s.sheet, source: s.path, wantedName: sheets.length === 1 ? base : safeName(`${base}_${safeName(s.sheet, 'sheet')}`) });
    }
  }
  return loads;
}

/** CREATE TABLE … AS the file's rows, one past the row budget so going over is seen, not cut. */
async function loadTable(conn: DuckDBConnection, name: string, load: Load, limits: IngestLimits, budget: number): Promise<number> {
  const reader = await readerOf(load, limits);
  try {
    await conn.run(`CREATE TABLE ${ident(name)} AS SELECT * FROM ${reader} LIMIT ${Math.max(0, budget) + 1}`);
  } catch (err) {
    throw readError(err, load);
  }
  const count = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${ident(name)}`)).getRows()[0][0]);
  if (count > budget) throw new ConnectorError('too_large', `${load.file.fileName} goes past the ${limits.maxRows} rows an ingestion may hold.`, 'TOO_MANY_ROWS');
  const columns = await conn.runAndReadAll(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ${literal(name)} AND database_name = current_database()`);
  if (columns.currentRowCount === 0) throw new ConnectorError('file', `${load.file.fileName} has no columns.`, 'EMPTY_FILE');
  if (load.format === 'xlsx') {
    // A worksheet column that mixes numbers and text comes out as JSON: made text.
    for (const [column, type] of columns.getRows() as [string, string][]) {
      if (type === 'JSON') await conn.run(`ALTER TABLE ${ident(name)} ALTER ${ident(column)} TYPE VARCHAR USING json_extract_string(${ident(column)}, '$')`);
    }
  }
  return count;
}

async function readerOf(load: Load, limits: IngestLimits): Promise<string> {
  const path = literal(load.source);
  switch (load.format) {
    case 'csv':
    case 'tsv': {
      // The delimiter is set, not sniffed: DuckDB's sniffer, given rows of uneven width, would
      // rather drop lines or read one wide column than fail. With it set, such a file fails.
      const delim = load.format === 'tsv' ? '\t' : await delimiterOf(load.source);
      return `read_csv(${path}, delim = ${literal(delim)}, skip = 0, strict_mode = true, sample_size = ${limits.csvSampleRows}, encoding = 'utf-8')`;
    }
    case 'json':
      return `read_json(${path}, format = 'auto')`;
    case 'ndjson':
      return `read_json(${path}, format = 'newline_delimited')`;
    case 'parquet':
      return `read_parquet(${path})`;
    case 'xlsx':
      return `read_json(${path}, format = 'newline_delimited', sample_size = -1)`;
  }
}

/** The separator of a CSV: the most frequent of , ; tab | outside quotes on its first line. */
export async function delimiterOf(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0], ['|', 0]]);
    let quoted = false;
    for (const ch of text) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && (ch === '\n' || ch === '\r')) break;
      else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
    }
    let best = ',';
    for (const [ch, n] of counts) if (n > counts.get(best)!) best = ch;
    return best;
  } finally {
    await file.close();
  }
}

/** DuckDB's error about an upload, in plain words, without the storage path. */
function readError(err: unknown, load: Load): ConnectorError {
  const name = load.file.fileName;
  const raw = (err as Error)?.message ?? String(err);
  const message = raw.split(load.source).join(name);
  const line = /Line: (\d+)/.exec(message)?.[1];
  const at = line ? ` (line ${line})` : '';
  const kind = load.format === 'tsv' ? 'TSV' : load.format.toUpperCase();
  if (/Invalid unicode|not utf-8/i.test(message)) return new ConnectorError('file', `${name} is not UTF-8 text${at}: save it as UTF-8 and upload it again.`, 'BAD_ENCODING');
  if (/not possible to automatically detect the CSV parsing dialect/i.test(message)) {
    return new ConnectorError('file', `${name} is not a well-formed ${kind} file: its lines do not all have the same number of fields.`, 'BAD_CSV');
  }
  if (/Expected Number of Columns/i.test(message)) {
    return new ConnectorError('file', `${name} is not a well-formed ${kind} file${at}: a line has a different number of fields than the header.`, 'BAD_CSV');
  }
  if (/Could not convert|Conversion Error/i.test(message)) {
    return new ConnectorError('file', `${name}${at}: a value does not match the type of its column guessed from the first rows.`, 'BAD_VALUE');
  }
  if (/Malformed JSON|JSON/i.test(message) && (load.format === 'json' || load.format === 'ndjson')) {
    return new ConnectorError('file', `${name} is not valid ${load.format === 'json' ? 'JSON' : 'NDJSON'}.`, 'BAD_JSON');
  }
  if (/magic bytes|parquet/i.test(message) && load.format === 'parquet') return new ConnectorError('file', `${name} is not a Parquet file.`, 'BAD_PARQUET');
  if (/INTERRUPT/i.test(message)) return new ConnectorError('canceled', 'The ingestion was canceled.', 'CANCELED');
  const reason = message.replace(/^[A-Za-z ]+ Error: /, '').split('\n')[0].trim();
  return new ConnectorError('file', `${name} could not be read as ${kind}: ${reason}`, 'BAD_FILE');
}

async function reservedWords(conn: DuckDBConnection): Promise<Set<string>> {
  const reader = await conn.runAndReadAll("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'");
  return new Set((reader.getRows() as [string][]).map(([k]) => k));
}

async function columnsOf(conn: DuckDBConnection, table: string): Promise<ColumnInfo[]> {
  const reader = await conn.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ${literal(table)} AND database_name = current_database() ORDER BY column_index`,
  );
  return (reader.getRows() as [string, string][]).map(([name, dbType]) => ({ name, dbType, type: columnTypeOfName(dbType) }));
}

export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
