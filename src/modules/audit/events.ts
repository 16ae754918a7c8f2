// Events the audit module publishes. They are recorded in the audit log like any other, so
// the log shows who took a copy of it and what the retention purge removed.

export interface AuditFilters {
  actor?: string;
  type?: string;
  target?: string;
  from?: string;
  to?: string;
}

export interface AuditEvents {
  /** An audit CSV was downloaded: the org's log (`orgId`) or everything (`orgId` null), with the filters used. */
  'audit.exported': { orgId: string | null; filters: AuditFilters };
  /** The retention purge deleted `deleted` records that occurred before `before` (ISO date-time). */
  'audit.purged': { before: string; deleted: number };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends AuditEvents {}
}
