// Events the dashboards module publishes (decision 0036): each with its payload schema, version,
// public flag (delivered to webhook receivers) and what the audit log files it under.
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const dashboard = { type: 'dashboard', field: 'dashboardId' } as const;

export const dashboardsEvents = defineEvents({
  'dashboards.created': {
    description: 'A dashboard was created (or duplicated: `sourceId` names the original).',
    schema: Payload({ orgId: Id(), dashboardId: Id(), name: Type.String(), collectionId: Type.Union([Id(), Type.Null()]), sourceId: Type.Union([Id(), Type.Null()]) }),
    version: 1,
    public: true,
    target: dashboard,
  },
  'dashboards.updated': {
    description: 'A dashboard was changed: `fields` names what changed.',
    schema: Payload({ orgId: Id(), dashboardId: Id(), fields: Type.Array(Type.String()) }),
    version: 1,
    public: true,
    target: dashboard,
  },
  'dashboards.deleted': { description: 'A dashboard was deleted.', schema: Payload({ orgId: Id(), dashboardId: Id() }), version: 1, public: true, target: dashboard },
  'dashboards.shared': {
    description: 'A read-only share link to a dashboard was made.',
    schema: Payload({ orgId: Id(), dashboardId: Id(), shareId: Id(), expiresAt: Type.String() }),
    version: 1,
    public: true,
    target: dashboard,
  },
  'dashboards.share_revoked': { description: 'A share link was revoked.', schema: Payload({ orgId: Id(), dashboardId: Id(), shareId: Id() }), version: 1, public: true, target: dashboard },
  'dashboards.shared_dashboard_viewed': {
    description: 'Someone opened a shared dashboard (or its data) through a share link.',
    schema: Payload({ orgId: Id(), dashboardId: Id(), shareId: Id(), what: Type.Union([Type.Literal('dashboard'), Type.Literal('data')]) }),
    version: 1,
    public: false,
    target: dashboard,
  },
  'dashboards.collection_changed': {
    description: 'A dashboard collection was created, changed (name, grants) or deleted.',
    schema: Payload({ orgId: Id(), collectionId: Id(), change: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]) }),
    version: 1,
    public: true,
    target: { type: 'dashboard_collection', field: 'collectionId' },
  },
  'dashboards.subscription_changed': {
    description: 'A dashboard subscription (recipients, schedule) was created, changed or deleted.',
    schema: Payload({ orgId: Id(), dashboardId: Id(), subscriptionId: Id(), change: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]) }),
    version: 1,
    public: true,
    target: dashboard,
  },
  'dashboards.subscription_recipient_dropped': {
    description: 'A recipient of a dashboard subscription could no longer see the dashboard: they got no mail; the owner is told.',
    schema: Payload({ orgId: Id(), dashboardId: Id(), subscriptionId: Id(), ownerId: Id(), recipientId: Id() }),
    version: 1,
    public: false,
    target: dashboard,
  },
});

export type DashboardsEvents = PayloadsOf<typeof dashboardsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends DashboardsEvents {}
}
