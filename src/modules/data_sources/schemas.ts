// The data_sources API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Opaque, Text, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const SourceParams = Type.Object({ orgId: Uuid(), sourceId: Uuid() });
export const TermParams = Type.Object({ orgId: Uuid(), sourceId: Uuid(), termId: Uuid() });
export const FileParams = Type.Object({ orgId: Uuid(), sourceId: Uuid(), fileId: Uuid() });

export const SourceKind = Type.Union([Type.Literal('postgres'), Type.Literal('mysql'), Type.Literal('files'), Type.Literal('workspace')], {
  description: '`postgres`: a PostgreSQL server; `mysql`: MySQL or MariaDB; `files`: CSV, TSV, JSON, NDJSON, Parquet and XLSX files uploaded to it (one table each, queried with DuckDB); `workspace`: this organization\'s own projects, tasks, clients, members and time entries',
});

const TlsMode = Type.Union([Type.Literal('disable'), Type.Literal('require'), Type.Literal('verify-full')], {
  description: '`disable`: plain TCP; `require`: TLS without checking the certificate; `verify-full`: TLS, the certificate must match the host and chain to `ca` (or the system\'s roots)',
});

const Identifier = (description: string) => Line(128, { description });

/** What a user gives to reach a PostgreSQL or MySQL server. `password` and `tls.ca` are sealed and never shown again. A request shape: inline, like every body. */
export const DatabaseConnection = Type.Object(
  {
    host: Line(253, { description: 'Host name or IP address. Private and loopback addresses are refused unless the operator allows them (DATA_SOURCE_ALLOWED_HOSTS).' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    database: Identifier('Database name'),
    user: Identifier('User name: best a read-only role (docs/data-sources-readonly-role.md)'),
    password: Type.Optional(Type.String({ maxLength: 1024, description: 'Write-only: sealed at rest, never returned. Leave out on update to keep the current one; empty for a login without one.' })),
    tls: Type.Optional(
      Type.Object({
        mode: TlsMode,
        ca: Type.Optional(Opaque(65536, { description: 'PEM certificate(s) to trust for `verify-full`; write-only' })),
      }),
    ),
    connectTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, default: 10 })),
    poolSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 2, description: 'Connections this source may hold at once (per instance)' })),
    role: Type.Optional(Line(63, { pattern: '^[A-Za-z_][A-Za-z0-9_$]*$', examples: ['trellis_reader'], description: 'PostgreSQL only: a role to SET for every query, e.g. a read-only one' })),
  },
  { description: 'How to reach the server; `password` and `tls.ca` are write-only' },
);

/** The connection as it is shown: no password, no CA. */
export const DatabaseConnectionView = named(
  'DatabaseConnectionView',
  Type.Object({
    host: Type.String(),
    port: Type.Integer(),
    database: Type.String(),
    user: Type.String(),
    hasPassword: Type.Boolean(),
    tls: Type.Object({ mode: TlsMode, hasCa: Type.Boolean() }),
    connectTimeoutSeconds: Type.Integer(),
    poolSize: Type.Integer(),
    role: Nullable(Type.String()),
  }),
);

export const FileView = named(
  'DataSourceFile',
  Type.Object({
    id: Uuid(),
    fileName: Type.String({ description: 'The name it was uploaded under (shown only; the stored key is the server\'s own)' }),
    format: Type.String(),
    sizeBytes: Type.Integer(),
    tables: Type.Array(Type.String(), { description: 'The tables queries read it as (a workbook gives one per sheet)' }),
    rowCount: Type.Integer(),
    createdAt: Timestamp(),
  }),
);

export const SourceView = named(
  'DataSource',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    name: Type.String(),
    kind: SourceKind,
    description: Type.String(),
    connection: Nullable(DatabaseConnectionView),
    cacheTtlSeconds: Type.Integer({ description: 'How long a result of this source is served from the cache' }),
    sync: Type.Object({
      status: Type.Union([Type.Literal('never'), Type.Literal('syncing'), Type.Literal('ok'), Type.Literal('failed')]),
      error: Nullable(Type.String()),
      syncedAt: Nullable(Timestamp()),
      schemaVersion: Type.Integer(),
    }),
    files: Type.Array(FileView),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);

export const CreateSourceBody = Type.Object({
  name: Line(120, { pattern: '\\S' }),
  kind: SourceKind,
  description: Type.Optional(Text(2000)),
  connection: Type.Optional(DatabaseConnection),
  cacheTtlSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
});

export const UpdateSourceBody = Type.Object({
  name: Type.Optional(Line(120, { pattern: '\\S' })),
  description: Type.Optional(Text(2000)),
  connection: Type.Optional(DatabaseConnection),
  cacheTtlSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
});

export const ListSourcesQuery = Type.Object({ ...PageQuery });

export const TestResult = named(
  'DataSourceTestResult',
  Type.Object({
    ok: Type.Boolean(),
    serverVersion: Nullable(Type.String()),
    latencyMs: Nullable(Type.Number()),
    error: Nullable(
      Type.Object({
        kind: Type.Union([Type.Literal('unreachable'), Type.Literal('tls'), Type.Literal('auth'), Type.Literal('timeout'), Type.Literal('permission'), Type.Literal('query'), Type.Literal('not_allowed')]),
        message: Type.String({ description: 'What went wrong, in plain words' }),
      }),
    ),
  }),
);

export const SyncStarted = named('DataSourceSyncStarted', Type.Object({ jobId: Uuid('Follow it at GET /jobs/{jobId}') }));

export const SyncResult = named(
  'DataSourceSyncResult',
  Type.Object({ sourceId: Uuid(), tables: Type.Integer({ minimum: 0 }), schemaVersion: Type.Integer() }, { description: 'The result of a `data_sources.sync` job: the schema read' }),
);

const ColumnOfSchema = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'integer, number, text, boolean, date, timestamp, json, binary or other' }),
  dbType: Type.String(),
  nullable: Type.Boolean(),
  description: Nullable(Type.String()),
});

export const SchemaView = named(
  'DataSourceSchema',
  Type.Object({
    sourceId: Uuid(),
    syncedAt: Nullable(Timestamp()),
    schemaVersion: Type.Integer(),
    schemas: Type.Array(
      Type.Object({
        name: Type.String(),
        tables: Type.Array(
          Type.Object({
            name: Type.String(),
            kind: Type.Union([Type.Literal('table'), Type.Literal('view')]),
            rowEstimate: Nullable(Type.Number()),
            description: Nullable(Type.String()),
            columns: Type.Array(ColumnOfSchema),
            primaryKey: Type.Array(Type.String()),
            foreignKeys: Type.Array(Type.Object({ columns: Type.Array(Type.String()), references: Type.Object({ schema: Type.String(), table: Type.String(), columns: Type.Array(Type.String()) }) })),
          }),
        ),
      }),
    ),
  }),
);

export const DescriptionBody = Type.Object({
  schema: Line(128),
  table: Line(128),
  column: Type.Optional(Line(128, { description: 'Leave out to describe the table' })),
  description: Text(2000, { description: 'Empty removes the description' }),
});

export const GlossaryTermView = named('GlossaryTerm', Type.Object({ id: Uuid(), term: Type.String(), definition: Type.String(), createdAt: Timestamp(), updatedAt: Timestamp() }));
export const CreateTermBody = Type.Object({ term: Line(200), definition: Line(4000) });
export const UpdateTermBody = Type.Object({ term: Type.Optional(Line(200)), definition: Type.Optional(Line(4000)) });
export const GlossaryList = named('GlossaryTermList', Type.Object({ data: Type.Array(GlossaryTermView) }));

export const UploadQuery = Type.Object({
  name: Line(255, { description: 'The file\'s name: its extension gives the format unless `format` does; its stem names the table' }),
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('tsv'), Type.Literal('json'), Type.Literal('ndjson'), Type.Literal('parquet'), Type.Literal('xlsx')])),
});

export const ResealResult = named(
  'DataSourceResealResult',
  Type.Object({ resealed: Type.Integer({ minimum: 0, description: 'Sources whose credentials were sealed again with the current key' }) }, { description: 'The result of a `data_sources.reseal` job' }),
);
