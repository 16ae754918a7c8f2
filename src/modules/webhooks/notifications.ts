// The notification webhooks' events raise (decision 0035): a disabled endpoint tells the org's
// owners and admins, by mail too, since deliveries stay stopped until one of them acts.
import { Type } from 'typebox';
import { Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { notificationKind } from '../../core/notifications/kinds.ts';
import type { OrganizationsApi } from '../organizations/index.ts';

/** Why an endpoint was disabled, as the admins read it. */
const DISABLED_REASONS: Record<string, string> = {
  gone: 'the receiver answered 410 Gone',
  failing: 'too many deliveries in a row failed',
};

const webhookDisabled = notificationKind({
  type: 'webhook_disabled',
  description: 'A webhook endpoint of an organization you administer was disabled after failing deliveries.',
  defaults: ['in_app', 'email'],
  event: 'webhooks.endpoint_disabled',
  data: {
    name: 'WebhookDisabledData',
    properties: {
      orgId: Uuid(),
      orgName: Type.String({ description: 'The organization name when the notification was made' }),
      endpointId: Uuid(),
      url: Type.String(),
      reason: Type.String({ description: 'Why deliveries stopped' }),
    },
  },
});

export const webhooksNotifications: NotificationContribution<{ organizations: OrganizationsApi }> = {
  kinds: [webhookDisabled],
  setup: (_core, { organizations }) => [
    webhookDisabled.handle({
      trigger: (e) => {
        const p = e.payload;
        return { orgId: p.orgId, endpointId: p.endpointId, url: p.url, reason: DISABLED_REASONS[p.reason] ?? p.reason };
      },
      async compose(f) {
        const name = (await organizations.getOrganization(f.orgId))?.name;
        if (!name) return null;
        const admins = (await organizations.listMembers(f.orgId)).filter((m) => organizations.roleAtLeast(m.role, 'admin')).map((m) => m.userId);
        return {
          recipients: admins,
          orgId: f.orgId,
          title: `A webhook of ${name} was disabled`,
          body: `Deliveries to ${f.url} stopped: ${f.reason}. Fix the receiving end, then enable the endpoint again.`,
          data: { orgId: f.orgId, orgName: name, endpointId: f.endpointId, url: f.url, reason: f.reason },
          details: [
            ['Endpoint', f.url],
            ['Reason', f.reason],
          ],
        };
      },
    }),
  ],
};
