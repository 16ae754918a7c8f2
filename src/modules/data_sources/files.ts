// The files of a `files` source. Each upload is kept as it came (core/storage, under a key the
// server makes), and the source's DuckDB database, one table per file, is built again from all of
// them: the originals are the truth, the database is derived, so a failed build leaves the source
// as it was. A build that lost a race with another upload or removal (the database key changed
// under it) is started over, up to three times, then refused. Queries read a local copy of the
// database, fetched once per version.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { uuidv7 } from 'uuidv7';
import { ConnectorError } from '../../core/contributions.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Clock } from '../../core/module.ts';
import type { Storage } from '../../core/storage/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { type FileFormat, formatOf } from './connectors/files/names.ts';
import { DataSourcesProblems } from './problems.ts';
import { type FileRow, files, type SourceRow, sources } from './repository.ts';
import type { DataSourceView, SourcesService } from './service.ts';

const CONTENT_TYPES: Record<FileFormat, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
const DATABASE_TYPE = 'application/vnd.duckdb';
const ATTEMPTS = 3;

class LostRace extends Error {}

export function createFiles(deps: {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  storage: Storage;
  sources: SourcesService;
  cacheDir: string;
  maxRows: number;
}) {
  const { db, events, clock, orgs, storage, sources: service } = deps;

  /** Downloads `key` to `path` (a temp name first, so a reader never sees half a file). */
  async function fetchTo(key: string, path: string) {
    const { body } = await storage.open(key);
    const partial = `${path}.${uuidv7()}.part`;
    await pipeline(body, createWriteStream(partial));
    await rename(partial, path);
  }

  /** Builds the database of `rows` (in upload order) into `work`; returns its path and each file's tables. */
  async function build(rows: readonly FileRow[], work: string): Promise<{ path: string; tables: { names: string[]; rows: number }[] }> {
    const inputs = [];
    for (const [i, file] of rows.entries()) {
      const path = join(work, `input-${i}.${file.format}`);
      await fetchTo(file.storage_key, path);
      inputs.push({ path, fileName: file.file_name, format: file.format as FileFormat });
    }
    const path = join(work, 'source.duckdb');
    // DuckDB loads with the first upload, not with the server (decision 0065).
    const { ingestFiles } = await import('./connectors/files/ingest.ts');
    const result = await ingestFiles({ files: inputs, into: path, limits: { maxRows: deps.maxRows } });
    // The ingest makes tables in the order of its files (a workbook: several in a row); give each
    // file its run, by name and order, so two uploads of one file name stay apart.
    let next = 0;
    const tables = inputs.map((input) => {
      const names: string[] = [];
      let count = 0;
      while (next < result.tables.length && result.tables[next].fileName === input.fileName) {
        names.push(result.tables[next].name);
        count += result.tables[next].rowCount;
        next++;
        if (input.format !== 'xlsx') break;
      }
      return { names, rows: count };
    });
    return { path, tables };
  }

  /**
   * Rebuilds the source's database from `keep` (and a new file) and swaps it in, if nothing else
   * changed it meanwhile.
   */
  async function rebuild(actor: Actor, row: SourceRow, keep: FileRow[], added: FileRow | null): Promise<void> {
    const work = await mkdtemp(join(tmpdir(), 'trellis-files-'));
    try {
      const all = [...keep, ...(added ? [added] : [])];
      const built = all.length ? await build(all, work) : null;
      const database = built
        ? await storage.save({ orgId: row.org_id, scope: `data-sources/${row.id}`, fileName: `${row.name}.duckdb`, contentType: DATABASE_TYPE, body: createReadStream(built.path), userId: actor.principal.userId })
        : null;
      try {
        await db.transaction().execute(async (tx) => {
          const current = await sources.lock(tx, row.org_id, row.id);
          if (!current) throw DataSourcesProblems.notFound.error('Data source not found');
          if (current.database_key !== row.database_key) throw new LostRace();
          for (const [i, f] of all.entries()) {
            const t = built!.tables[i];
            if (f === added) {
              await files.insert(tx, { ...f, tables: t.names, row_count: t.rows });
              await events.publish(tx, 'data_sources.file_added', { orgId: row.org_id, sourceId: row.id, fileId: f.id, tables: t.names, rowCount: t.rows, sizeBytes: Number(f.size_bytes) }, { actor, orgId: row.org_id });
            } else if (t.names.join() !== f.tables.join()) {
              await files.setTables(tx, row.org_id, f.id, t.names, t.rows);
            }
          }
          await sources.update(tx, row.org_id, row.id, { database_key: database?.key ?? null, schema_version: current.schema_version + 1, updated_at: clock.now() });
        });
      } catch (err) {
        if (database) await storage.remove(database.key);
        throw err;
      }
      if (row.database_key) await storage.remove(row.database_key);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async function filesSource(actor: Actor, orgId: string, sourceId: string): Promise<SourceRow> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const row = await service.mustFind(orgId, sourceId);
    if (row.kind !== 'files') throw DataSourcesProblems.notAFilesSource.error(`"${row.name}" is a ${row.kind} source: files are uploaded to a files source`);
    return row;
  }

  /** Stores the upload, then adds its table to the source's database. */
  async function upload(actor: Actor, orgId: string, sourceId: string, input: { fileName: string; format?: FileFormat; body: Readable }): Promise<DataSourceView> {
    let row = await filesSource(actor, orgId, sourceId);
    const format = input.format ?? formatOf(input.fileName);
    if (!format) {
      throw DataSourcesProblems.fileRefused.error('The file name has no known extension (.csv, .tsv, .json, .ndjson, .parquet, .xlsx): give `format`', { errors: [{ field: 'querystring.format', message: 'is required for this file name' }] });
    }
    const saved = await storage.save({ orgId, scope: `data-sources/${sourceId}`, fileName: input.fileName, contentType: CONTENT_TYPES[format], body: input.body, userId: actor.principal.userId });
    const added: FileRow = {
      id: uuidv7(),
      source_id: sourceId,
      org_id: orgId,
      file_name: saved.fileName,
      format,
      storage_key: saved.key,
      size_bytes: saved.size,
      tables: [],
      row_count: 0,
      created_by: actor.principal.userId,
      created_at: clock.now(),
    };
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await rebuild(actor, row, await files.bySource(db, orgId, sourceId), added);
          break;
        } catch (err) {
          if (!(err instanceof LostRace) || attempt === ATTEMPTS) throw err;
          row = await service.mustFind(orgId, sourceId);
        }
      }
    } catch (err) {
      await storage.remove(saved.key);
      if (err instanceof ConnectorError) throw DataSourcesProblems.fileRefused.error(`"${saved.fileName}" could not be read: ${err.message}`);
      if (err instanceof LostRace) throw DataSourcesProblems.fileRefused.error('The source changed while the file was being added: try again');
      throw err;
    }
    return service.view(await service.mustFind(orgId, sourceId));
  }

  async function remove(actor: Actor, orgId: string, sourceId: string, fileId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const row = await filesSource(actor, orgId, sourceId);
      const all = await files.bySource(db, orgId, sourceId);
      const gone = all.find((f) => f.id === fileId);
      if (!gone) throw DataSourcesProblems.fileNotFound.error('File not found');
      try {
        await rebuild(actor, row, all.filter((f) => f.id !== fileId), null);
      } catch (err) {
        if (!(err instanceof LostRace) || attempt === ATTEMPTS) throw err;
        continue;
      }
      await db.transaction().execute(async (tx) => {
        await files.delete(tx, orgId, fileId);
        await events.publish(tx, 'data_sources.file_removed', { orgId, sourceId, fileId, tables: gone.tables }, { actor, orgId });
      });
      await storage.remove(gone.storage_key);
      return;
    }
  }

  /** The local copy of the source's current database, fetched once per version; older copies removed. */
  async function localDatabase(row: SourceRow): Promise<string | undefined> {
    if (!row.database_key) return undefined;
    const dir = join(deps.cacheDir, row.id);
    const name = `${row.database_key.split('/').pop()}.duckdb`;
    const path = join(dir, name);
    await mkdir(dir, { recursive: true });
    const present = await readdir(dir);
    if (!present.includes(name)) await fetchTo(row.database_key, path);
    for (const old of present) if (old !== name && !old.endsWith('.part')) await rm(join(dir, old), { force: true });
    return path;
  }

  /** After a source is deleted: its stored files and its local copies go too. */
  async function forget(row: SourceRow, rows: readonly FileRow[]): Promise<void> {
    for (const f of rows) await storage.remove(f.storage_key);
    if (row.database_key) await storage.remove(row.database_key);
    await rm(join(deps.cacheDir, row.id), { recursive: true, force: true });
  }

  return { upload, remove, localDatabase, forget };
}

export type Files = ReturnType<typeof createFiles>;
