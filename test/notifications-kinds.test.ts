// The notification kinds as the modules declare them (decision 0035), read from the module list
// alone: no database, no setup. Who raises what, and what each sends by default.
import { describe, expect, it } from 'vitest';
import { MODULES } from '../src/app.ts';
import { createNotificationKinds } from '../src/core/notifications/kinds.ts';

const declared = MODULES.map((m) => ({ module: m.name as string, kinds: m.notifications?.kinds ?? [] }));
const registry = createNotificationKinds(declared);
const byType = new Map(registry.kinds.map((k) => [k.type, k]));

describe('notification kinds', () => {
  it('are declared by the modules whose events raise them', () => {
    const raised = Object.fromEntries(declared.filter((d) => d.kinds.length).map((d) => [d.module, d.kinds.map((k) => `${k.type} <- ${k.event}`)]));
    expect(raised).toEqual({
      auth: ['password_changed <- auth.password_changed', 'new_sign_in <- auth.logged_in'],
      organizations: ['invitation_received <- organizations.invitation_sent', 'member_added <- organizations.member_added'],
      time: [
        'timesheet_submitted <- time.timesheet_submitted',
        'timesheet_approved <- time.timesheet_approved',
        'timesheet_rejected <- time.timesheet_rejected',
        'budget_warning <- time.budget_threshold_reached',
        'budget_reached <- time.budget_threshold_reached',
      ],
      reports: ['export_ready <- reports.export_ready'],
      webhooks: ['webhook_disabled <- webhooks.endpoint_disabled'],
      analytics: ['alert_fired <- analytics.alert_fired'],
      dashboards: ['subscription_recipient_dropped <- dashboards.subscription_recipient_dropped'],
    });
  });

  it('default to in-app everywhere; email where the reader must act and may not be in the app; SMS nowhere', () => {
    const mailed = registry.kinds.filter((k) => k.defaults.email).map((k) => k.type);
    expect(mailed.sort()).toEqual(['alert_fired', 'budget_reached', 'new_sign_in', 'password_changed', 'subscription_recipient_dropped', 'timesheet_rejected', 'webhook_disabled']);
    expect(registry.kinds.every((k) => k.defaults.in_app && !k.defaults.sms)).toBe(true);
    // The invitation itself is mailed by the organizations module: its notice does not mail again.
    expect(byType.get('invitation_received')?.defaults).toEqual({ in_app: true, email: false, sms: false });
  });
});
