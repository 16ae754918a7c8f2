// The audit API contract (TypeBox): filters and the record view.
import { type Static, Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, OpenObject, Timestamp, Uuid as uuid } from '../../core/http/schema-types.ts';

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
    // Open by nature: the log keeps every module's events, of every version it ever recorded.
    payload: OpenObject(
      "The event's payload without secrets (values of secret-named keys read `[redacted]`), one shape per `type`: the ids of what the event is about (`orgId`, `projectId`, `entryId`, …; `targetId` is the most specific) and the facts that changed (e.g. `time.entry_updated`: the entry's facts and `fields`)",
    ),
  }),
);
export type AuditRecordView = Static<typeof AuditRecordView>;

/** The result of an `audit.purge` job. */
export const PurgeResult = named(
  'AuditPurgeResult',
  Type.Object(
    { before: Timestamp({ description: 'Records that occurred before this were deleted' }), deleted: Type.Integer({ minimum: 0 }) },
    { description: 'The result of an `audit.purge` job' },
  ),
);

export const CsvResponse = {
  description: 'CSV (RFC 4180, UTF-8 with BOM), newest first, streamed: one row per record',
  content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } },
};
