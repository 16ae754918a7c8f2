// The notification the analytics module's events raise (decision 0035): an alert fired, to its
// owner. In the app and by email by default: an alert is something its owner asked to be told,
// and may be away from the app when its number crosses the line. The alert's channels narrow
// the notice (an alert for SMS only is not also mailed); among them, the owner's notification
// preferences for `alert_fired` decide (a channel they switched off stays off; SMS once they
// gave a number).
import { Type } from 'typebox';
import { Nullable, Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { type Channel, notificationKind } from '../../core/notifications/kinds.ts';
import type { OrganizationsApi } from '../organizations/index.ts';

const alertFired = notificationKind({
  type: 'alert_fired',
  description: 'An alert of yours fired: the value of its question crossed its line (once per crossing).',
  defaults: ['in_app', 'email'],
  event: 'analytics.alert_fired',
  data: {
    name: 'AlertFiredData',
    properties: {
      orgId: Uuid(),
      alertId: Uuid(),
      questionId: Uuid(),
      name: Type.String({ description: 'The alert' }),
      condition: Type.String(),
      value: Nullable(Type.Number()),
      threshold: Nullable(Type.Number()),
      link: Type.String({ description: 'The question in the app' }),
    },
  },
});

const NOTIFYING = new Set<string>(['in_app', 'email', 'sms'] satisfies Channel[]);
const isChannel = (c: string): c is Channel => NOTIFYING.has(c);

const described = (condition: string, threshold: number | null) =>
  ({
    above: `above ${threshold}`,
    below: `below ${threshold}`,
    changed_by_percent: `changed by ${threshold} % or more`,
    rows_present: 'has rows',
    rows_absent: 'has no rows',
  })[condition] ?? condition;

export const analyticsNotifications: NotificationContribution<{ organizations: OrganizationsApi }> = {
  kinds: [alertFired],
  setup: (_core, { organizations }) => [
    alertFired.handle({
      trigger: (e) => {
        const p = e.payload;
        // Webhook only: no notification.
        const channels = p.channels.filter(isChannel);
        if (channels.length === 0) return null;
        return { channels, orgId: p.orgId, alertId: p.alertId, questionId: p.questionId, ownerId: p.ownerId, name: p.name, condition: p.condition, value: p.value, threshold: p.threshold, link: p.link };
      },
      async compose(f) {
        // An owner who left the org meanwhile is not told about its data.
        if (!(await organizations.roleOf(f.ownerId, f.orgId))) return null;
        const value = f.value === null ? 'no value' : String(f.value);
        return {
          recipients: [f.ownerId],
          channels: f.channels,
          orgId: f.orgId,
          title: `Alert: ${f.name}`,
          body: `The value is ${value}: ${described(f.condition, f.threshold)}. ${f.link}`,
          data: { orgId: f.orgId, alertId: f.alertId, questionId: f.questionId, name: f.name, condition: f.condition, value: f.value, threshold: f.threshold, link: f.link },
          details: [
            ['Value', value],
            ['Condition', described(f.condition, f.threshold)],
            ['Link', f.link],
          ],
        };
      },
    }),
  ],
};
