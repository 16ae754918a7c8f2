// Events the audit module publishes. They are recorded in the audit log like any other, so
// the log shows who took a copy of it and what the retention purge removed.
import { type Static, Type } from 'typebox';
import { defineEvents, Id, Instant, Nullable, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const Filters = Type.Object(
  {
    actor: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    target: Type.Optional(Type.String()),
    from: Type.Optional(Type.String()),
    to: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type AuditFilters = Static<typeof Filters>;

export const auditEvents = defineEvents({
  'audit.exported': {
    description: "An audit CSV was downloaded: the org's log (`orgId`) or everything (`orgId` null), with the filters used.",
    schema: Payload({ orgId: Nullable(Id()), filters: Filters }),
    version: 1,
    public: false,
    target: { type: 'organization', field: 'orgId' },
  },
  'audit.purged': {
    description: 'The retention purge deleted `deleted` records that occurred before `before`.',
    schema: Payload({ before: Instant(), deleted: Type.Integer({ minimum: 0 }) }),
    version: 1,
    public: false,
    target: null,
  },
});

export type AuditEvents = PayloadsOf<typeof auditEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends AuditEvents {}
}
