// The notification the dashboards module's events raise (decision 0035): a subscription's
// recipient could no longer see the dashboard and got no mail. To the subscription's owner, in
// the app and by email: they must act (restore the access, or remove the recipient), and the
// recipient will keep getting nothing until they do.
import { Type } from 'typebox';
import { Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { notificationKind } from '../../core/notifications/kinds.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { dashboards } from './repository.ts';

const recipientDropped = notificationKind({
  type: 'subscription_recipient_dropped',
  description: 'A recipient of a dashboard subscription of yours can no longer see the dashboard and got no mail.',
  defaults: ['in_app', 'email'],
  event: 'dashboards.subscription_recipient_dropped',
  data: {
    name: 'SubscriptionRecipientDroppedData',
    properties: { orgId: Uuid(), dashboardId: Uuid(), dashboardName: Type.String(), subscriptionId: Uuid(), recipientId: Uuid(), recipientEmail: Type.String() },
  },
});

export const dashboardsNotifications: NotificationContribution<{ organizations: OrganizationsApi }> = {
    kinds: [recipientDropped],
    setup: ({ db }, { organizations }) => [
      recipientDropped.handle({
        trigger: (e) => {
          const p = e.payload;
          return { orgId: p.orgId, dashboardId: p.dashboardId, subscriptionId: p.subscriptionId, ownerId: p.ownerId, recipientId: p.recipientId };
        },
        async compose(f) {
          const dashboard = await dashboards.byId(db, f.orgId, f.dashboardId);
          if (!dashboard || !(await organizations.roleOf(f.ownerId, f.orgId))) return null;
          // The recipient's address only while they are still in the org; else their id says it.
          const recipient = (await organizations.listMembers(f.orgId)).find((m) => m.userId === f.recipientId)?.email ?? 'a former member';
          return {
            recipients: [f.ownerId],
            orgId: f.orgId,
            title: `${recipient} got no mail of ${dashboard.name}`,
            body: `${recipient} can no longer see the dashboard ${dashboard.name}, so your subscription sent them nothing. Give them access again, or remove them from the subscription.`,
            data: { orgId: f.orgId, dashboardId: f.dashboardId, dashboardName: dashboard.name, subscriptionId: f.subscriptionId, recipientId: f.recipientId, recipientEmail: recipient },
          };
        },
      }),
    ],
};
