// Events the reports module publishes.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, OneOf, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

export const reportsEvents = defineEvents({
  'reports.project_exported': {
    description: "A project's data left the system as a ZIP; `entries` says whose time entries it held.",
    schema: Payload({ projectId: Id(), entries: OneOf(['all', 'own']) }),
    version: 1,
    // An org wants to know when its data is copied out.
    public: true,
    target: { type: 'project', field: 'projectId' },
  },
  'reports.export_ready': {
    description: 'A report file made by a background job is ready for its requester to download.',
    schema: Payload({ orgId: Nullable(Id()), userId: Id(), jobId: Type.String(), fileName: Type.String() }),
    version: 1,
    // One person's download, not the org's business.
    public: false,
    target: { type: 'job', field: 'jobId' },
  },
});

export type ReportsEvents = PayloadsOf<typeof reportsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends ReportsEvents {}
}
