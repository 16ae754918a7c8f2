// Events the dashboards module publishes (decision 0036): each with its payload schema, version,
// public flag (delivered to webhook receivers) and what the audit log files it under.
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const item = { type: 'dashboards_item', field: 'itemId' } as const;

export const dashboardsEvents = defineEvents({
  'dashboards.item_created': {
    description: 'An item was created.',
    schema: Payload({ orgId: Id(), itemId: Id(), name: Type.String() }),
    version: 1,
    public: true,
    target: item,
  },
  'dashboards.item_deleted': { description: 'An item was deleted.', schema: Payload({ orgId: Id(), itemId: Id() }), version: 1, public: true, target: item },
});

export type DashboardsEvents = PayloadsOf<typeof dashboardsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends DashboardsEvents {}
}
