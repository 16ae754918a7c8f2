// Events the data_sources module publishes (decision 0036): each with its payload schema, version,
// public flag (delivered to webhook receivers) and what the audit log files it under. No payload
// carries a secret: connections are described by kind and name only.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const source = { type: 'data_source', field: 'sourceId' } as const;
const Kind = Type.String({ description: 'postgres, mysql, files or workspace' });

export const dataSourcesEvents = defineEvents({
  'data_sources.source_created': {
    description: 'A data source was added.',
    schema: Payload({ orgId: Id(), sourceId: Id(), name: Type.String(), kind: Kind }),
    version: 1,
    public: true,
    target: source,
  },
  'data_sources.source_updated': {
    description: 'A data source was changed: `fields` names what changed (never the values of secrets).',
    schema: Payload({ orgId: Id(), sourceId: Id(), fields: Type.Array(Type.String()) }),
    version: 1,
    public: true,
    target: source,
  },
  'data_sources.source_deleted': { description: 'A data source was deleted.', schema: Payload({ orgId: Id(), sourceId: Id() }), version: 1, public: true, target: source },
  'data_sources.schema_synced': {
    description: 'A sync read the schema of a source (or failed to): cached results of the older schema are no longer served.',
    schema: Payload({ orgId: Id(), sourceId: Id(), ok: Type.Boolean(), tables: Type.Integer(), schemaVersion: Type.Integer(), error: Nullable(Type.String()) }),
    version: 1,
    public: true,
    target: source,
  },
  'data_sources.file_added': {
    description: 'A file was added to a `files` source as a table.',
    schema: Payload({ orgId: Id(), sourceId: Id(), fileId: Id(), tables: Type.Array(Type.String()), rowCount: Type.Integer(), sizeBytes: Type.Integer() }),
    version: 1,
    public: true,
    target: source,
  },
  'data_sources.file_removed': { description: 'A file (and its table) was removed from a `files` source.', schema: Payload({ orgId: Id(), sourceId: Id(), fileId: Id(), tables: Type.Array(Type.String()) }), version: 1, public: true, target: source },
});

export type DataSourcesEvents = PayloadsOf<typeof dataSourcesEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends DataSourcesEvents {}
}
