// Data sources of an org: add, list, read, change, delete, test and sync them. Org admins manage
// sources; members see them (and query them through analytics); viewers see none (they run the
// org's saved questions only). Credentials are sealed at rest and never shown again; every host a
// user names passes the SSRF guard when it is saved and again each time it is dialled.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { DataConnector, Registries } from '../../core/contributions.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { JobQueue } from '../../core/jobs/types.ts';
import type { Clock } from '../../core/module.ts';
import { assertPublicHost, UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';
import type { Secrets } from '../../core/security/secrets.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { type ConnectionInput, connectionView, openPart, sealPart, splitConnection, type StoredConnection } from './connection.ts';
import { DataSourcesProblems } from './problems.ts';
import { type FileRow, files, type SourceRow, sources } from './repository.ts';
import type { CreateSourceBody, SourceView, TestResult, UpdateSourceBody } from './schemas.ts';
import type { DataSourcesSettings } from './settings.ts';
import { type ConnectorFailure, describeFailure } from './failures.ts';
import type { Targets } from './targets.ts';

export type DataSourceView = Static<typeof SourceView>;
type TestResultView = Static<typeof TestResult>;

export interface SourcesDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  secrets: Secrets;
  jobs: JobQueue;
  registries: Registries;
  settings: DataSourcesSettings;
  targets: Targets;
  /** Called after a source's connection changed or the source was deleted (with its files): pools, stored and cached files. */
  forget(row: SourceRow, files: readonly FileRow[]): Promise<void>;
}

/** Kinds that dial a server and so take a connection. */
const DIALS = new Set(['postgres', 'mysql']);
const SYSTEM_SCHEMAS = new Set(['mysql', 'sys', 'performance_schema', 'information_schema']);

export function toSourceView(r: SourceRow, fileRows: readonly FileRow[]): DataSourceView {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    kind: r.kind as DataSourceView['kind'],
    description: r.description,
    connection: DIALS.has(r.kind) ? connectionView(r.connection as unknown as StoredConnection) : null,
    cacheTtlSeconds: r.cache_ttl_seconds,
    sync: { status: r.sync_status, error: r.sync_error, syncedAt: r.synced_at?.toISOString() ?? null, schemaVersion: r.schema_version },
    files: fileRows.map((f) => ({ id: f.id, fileName: f.file_name, format: f.format, sizeBytes: Number(f.size_bytes), tables: f.tables, rowCount: Number(f.row_count), createdAt: f.created_at.toISOString() })),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function createSourcesService(deps: SourcesDeps) {
  const { db, events, clock, orgs, secrets, jobs, registries, settings, targets } = deps;

  function connectorOf(kind: string): DataConnector {
    const connector = registries.connectors.get(kind);
    if (!connector) throw DataSourcesProblems.kindUnavailable.error(`This server has no connector for "${kind}"`, { errors: [{ field: 'body.kind', message: 'has no connector here' }] });
    return connector;
  }

  /** The host a user named must be one the server may dial (checked again at each connection). */
  async function assertHostAllowed(connection: ConnectionInput) {
    try {
      await assertPublicHost(connection.host, { allow: settings.allow });
    } catch (err) {
      if (!(err instanceof UrlNotAllowedError)) throw err;
      throw DataSourcesProblems.hostNotAllowed.error('The host may not be reached from this server', { errors: [{ field: 'body.connection.host', message: err.message }] });
    }
  }

  function checkConnectionFits(kind: string, connection: ConnectionInput | undefined) {
    if (DIALS.has(kind) && !connection) throw DataSourcesProblems.connectionInvalid.error(`A ${kind} source needs a connection`, { errors: [{ field: 'body.connection', message: 'is required for this kind' }] });
    if (!DIALS.has(kind) && connection) throw DataSourcesProblems.connectionInvalid.error(`A ${kind} source takes no connection`, { errors: [{ field: 'body.connection', message: 'must be left out for this kind' }] });
    // Unqualified names resolve in the connection's database: `user` there would be mysql.user.
    if (kind === 'mysql' && connection && SYSTEM_SCHEMAS.has(connection.database.toLowerCase())) {
      throw DataSourcesProblems.connectionInvalid.error(`"${connection.database}" is a system schema of the server, not a database to query`, { errors: [{ field: 'body.connection.database', message: 'is a system schema' }] });
    }
    if (kind !== 'postgres' && connection?.role) throw DataSourcesProblems.connectionInvalid.error('Only a PostgreSQL connection takes a role', { errors: [{ field: 'body.connection.role', message: 'is PostgreSQL only' }] });
  }

  async function mustFind(orgId: string, id: string, exec: Executor = db): Promise<SourceRow> {
    const row = await sources.byId(exec, orgId, id);
    if (!row) throw DataSourcesProblems.notFound.error('Data source not found');
    return row;
  }

  async function view(row: SourceRow, exec: Executor = db) {
    return toSourceView(row, row.kind === 'files' ? await files.bySource(exec, row.org_id, row.id) : []);
  }

  async function create(actor: Actor, orgId: string, input: Static<typeof CreateSourceBody>): Promise<DataSourceView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    connectorOf(input.kind);
    checkConnectionFits(input.kind, input.connection);
    if (input.connection) await assertHostAllowed(input.connection);
    const split = input.connection ? splitConnection(input.connection, null) : null;
    const now = clock.now();
    const row: SourceRow = {
      id: uuidv7(),
      org_id: orgId,
      name: input.name.trim().replace(/\s+/g, ' '),
      kind: input.kind,
      description: input.description ?? '',
      connection: (split?.stored ?? {}) as unknown as Record<string, unknown>,
      secrets_sealed: split ? sealPart(secrets, split.sealed) : null,
      key_id: split ? secrets.keyId : null,
      cache_ttl_seconds: input.cacheTtlSeconds ?? 300,
      schema_version: 0,
      sync_status: 'never',
      sync_error: null,
      synced_at: null,
      database_key: null,
      created_by: actor.principal.userId,
      created_at: now,
      updated_at: now,
    };
    try {
      await db.transaction().execute(async (tx) => {
        if ((await sources.countInOrg(tx, orgId)) >= settings.maxPerOrg) throw DataSourcesProblems.tooMany.error(`An organization may have ${settings.maxPerOrg} data sources`);
        await sources.insert(tx, row);
        await events.publish(tx, 'data_sources.source_created', { orgId, sourceId: row.id, name: row.name, kind: row.kind }, { actor, orgId });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw DataSourcesProblems.nameTaken.error('Another data source of this organization has this name');
      throw err;
    }
    return view(row);
  }

  async function get(actor: Actor, orgId: string, id: string): Promise<DataSourceView> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    return view(await mustFind(orgId, id));
  }

  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number }): Promise<Page<DataSourceView>> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await sources.list(db, orgId, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: await Promise.all(page.data.map((r) => view(r))), page: page.page };
  }

  async function update(actor: Actor, orgId: string, id: string, input: Static<typeof UpdateSourceBody>): Promise<DataSourceView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const current = await mustFind(orgId, id);
    if (input.connection) {
      checkConnectionFits(current.kind, input.connection);
      await assertHostAllowed(input.connection);
    }
    const fields = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
    let updated: SourceRow | undefined;
    try {
      await db.transaction().execute(async (tx) => {
        const row = await sources.lock(tx, orgId, id);
        if (!row) throw DataSourcesProblems.notFound.error('Data source not found');
        const set: Partial<SourceRow> = { updated_at: clock.now() };
        if (input.name !== undefined) set.name = input.name.trim().replace(/\s+/g, ' ');
        if (input.description !== undefined) set.description = input.description;
        if (input.cacheTtlSeconds !== undefined) set.cache_ttl_seconds = input.cacheTtlSeconds;
        if (input.connection) {
          const split = splitConnection(input.connection, openPart(secrets, row.secrets_sealed));
          set.connection = split.stored as unknown as Record<string, unknown>;
          set.secrets_sealed = sealPart(secrets, split.sealed);
          set.key_id = secrets.keyId;
          // Results read over the old connection may not be what the new one shows.
          set.schema_version = row.schema_version + 1;
        }
        await sources.update(tx, orgId, id, set);
        updated = { ...row, ...set };
        await events.publish(tx, 'data_sources.source_updated', { orgId, sourceId: id, fields }, { actor, orgId });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw DataSourcesProblems.nameTaken.error('Another data source of this organization has this name');
      throw err;
    }
    if (input.connection) await deps.forget(current, []);
    return view(updated!);
  }

  async function remove(actor: Actor, orgId: string, id: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    let row: SourceRow | undefined;
    let gone: FileRow[] = [];
    await db.transaction().execute(async (tx) => {
      row = await sources.lock(tx, orgId, id);
      if (!row) throw DataSourcesProblems.notFound.error('Data source not found');
      gone = await files.bySource(tx, orgId, id);
      await sources.delete(tx, orgId, id);
      await events.publish(tx, 'data_sources.source_deleted', { orgId, sourceId: id }, { actor, orgId });
    });
    await deps.forget(row!, gone);
  }

  /** Connects and reports the server's version and the round trip, or what failed in plain words. */
  async function test(actor: Actor, orgId: string, id: string): Promise<TestResultView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const row = await mustFind(orgId, id);
    const connector = connectorOf(row.kind);
    try {
      const target = await targets.of(row);
      const connectMs = ((row.connection as unknown as StoredConnection).connectTimeoutSeconds ?? 10) * 1000;
      const result = await connector.test(target, AbortSignal.timeout(connectMs + 5000));
      return { ok: true, serverVersion: result.serverVersion, latencyMs: Math.round(result.latencyMs * 10) / 10, error: null };
    } catch (err) {
      const failure: ConnectorFailure | null = describeFailure(err, row);
      if (!failure) throw err;
      return { ok: false, serverVersion: null, latencyMs: null, error: failure };
    }
  }

  /** Starts a schema sync as a job; its progress reaches the caller's stream, its result GET /jobs/{id}. */
  async function sync(actor: Actor, orgId: string, id: string): Promise<{ jobId: string }> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    return db.transaction().execute(async (tx) => {
      const row = await sources.lock(tx, orgId, id);
      if (!row) throw DataSourcesProblems.notFound.error('Data source not found');
      await sources.update(tx, orgId, id, { sync_status: 'syncing', sync_error: null });
      const jobId = await jobs.enqueue('data_sources.sync', { orgId, sourceId: id, actorId: actor.principal.userId }, { db: tx, ownerId: actor.principal.userId });
      return { jobId };
    });
  }

  return { create, get, list, update, remove, test, sync, mustFind, view, connectorOf };
}

export type SourcesService = ReturnType<typeof createSourcesService>;
