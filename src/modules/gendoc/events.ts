// Events the gendoc module publishes (decision 0036): a run's end, so a webhook or a notification
// can tell the team their documentation is ready (or why it is not).
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const run = { type: 'gendoc_run', field: 'runId' } as const;

export const gendocEvents = defineEvents({
  'gendoc.docs_generated': {
    description: "A project's documentation was generated: its formats are ready to download.",
    schema: Payload({ orgId: Id(), projectId: Id(), runId: Id(), snapshot: Type.Integer(), formats: Type.Array(Type.String()), trigger: Type.String() }),
    version: 1,
    public: true,
    target: run,
  },
  'gendoc.docs_failed': {
    description: "A project's documentation could not be generated (`error` says why: access lost, snapshot deleted, a file limit).",
    schema: Payload({ orgId: Id(), projectId: Id(), runId: Id(), snapshot: Type.Integer(), error: Type.String() }),
    version: 1,
    public: true,
    target: run,
  },
});

export type GendocEvents = PayloadsOf<typeof gendocEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends GendocEvents {}
}
