// The audit API contract (TypeBox): filters and the record view.
import { type Static, Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';

const Uuid = uuid();
const DateTime = Timestamp();

/** Event types are `<module>.<what_happened>`; a trailing `*` makes the rest a prefix. */
export const TYPE_FILTER_PATTERN = '^[a-z][a-z0-9_.]{0,99}\\*?$';

export const filterFields = {
  actor: Type.Optional(uuid('User id of whoever caused the event')),
  type: Type.Optional(
    Type.String({
      pattern: TYPE_FILTER_PATTERN,
      description: 'An event type (`projects.project_created`), or a prefix ending in `*` (`projects.*`)',
      examples: ['projects.*'],
    }),
  ),
  target: Type.Optional(Line(200, { blank: true, description: 'Id of the thing the event is about (see targetType)' })),
  from: Type.Optional(Timestamp({ description: 'Occurred at or after (inclusive)' })),
  to: Type.Optional(Timestamp({ description: 'Occurred before (exclusive)' })),
};

export const OrgParams = Type.Object({ orgId: Uuid });

export const OrgAuditQuery = Type.Object({ ...filterFields, ...PageQuery });
export const OrgExportQuery = Type.Object(filterFields);

const orgFilter = { org: Type.Optional(uuid('Only this organization')) };
export const AdminAuditQuery = Type.Object({ ...filterFields, ...orgFilter, ...PageQuery });
export const AdminExportQuery = Type.Object({ ...filterFields, ...orgFilter });

export type FilterQuery = Static<typeof OrgExportQuery> & { org?: string };

export const AuditRecordView = named(
  'AuditEvent',
  Type.Object({
    id: uuid('The event id'),
    type: Type.String({ description: '`<module>.<what_happened>`, e.g. `projects.project_created`' }),
    occurredAt: DateTime,
    actorId: Nullable(Uuid),
    apiKeyId: Nullable(Uuid),
    orgId: Nullable(Uuid),
    targetType: Nullable(Type.String({ description: 'time_entry, task, project, project_template, invitation, api_key, session, user, organization, …' })),
    targetId: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    payload: Type.Unknown({ description: 'The event payload without secrets' }),
  }),
);
export type AuditRecordView = Static<typeof AuditRecordView>;

export const CsvResponse = {
  description: 'CSV (RFC 4180, UTF-8 with BOM), newest first, streamed: one row per record',
  content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } },
};
