// The notification the analytics module's events raise (decision 0035): an alert fired, to its
// owner. In the app and by email by default: an alert is something its owner asked to be told,
// and may be away from the app when its number crosses the line. The alert's channels choose
// whether it notifies at all (any of in_app, email, sms); which of those channels deliver it is
// the owner's notification preferences for `alert_fired` (SMS once they gave a number).
import { Type } from 'typebox';
import { Nullable, Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { notificationKind } from '../../core/notifications/kinds.ts';
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

const NOTIFYING = new Set(['in_app', 'email', 'sms']);

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
        if (!p.channels.some((c) => NOTIFYING.has(c))) return null;
        return { orgId: p.orgId, alertId: p.alertId, questionId: p.questionId, ownerId: p.ownerId, name: p.name, condition: p.condition, value: p.value, threshold: p.threshold, link: p.link };
      },
      async compose(f) {
        // An owner who left the org meanwhile is not told about its data.
        if (!(await organizations.roleOf(f.ownerId, f.orgId))) return null;
        const value = f.value === null ? 'no value' : String(f.value);
        return {
          recipients: [f.ownerId],
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
