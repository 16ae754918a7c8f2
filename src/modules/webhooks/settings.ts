// The webhooks module's slice of the configuration (decision 0034).
import { parseAllowList } from '../../core/net/allow-list.ts';
import { defineSettings, hostList, integer, type SettingsOf, setting } from '../../core/settings.ts';

export const webhooksSettings = defineSettings(
  {
    allowedHosts: setting(
      'WEBHOOK_ALLOWED_HOSTS',
      '',
      hostList,
      'Comma-separated host names, IP addresses or CIDR ranges that webhook URLs may reach although they are not public (e.g. `hooks.internal,10.1.0.0/16`); empty: public addresses only.',
    ),
    disableAfter: setting('WEBHOOK_DISABLE_AFTER', '5', integer(1, 1000), 'Consecutive failed webhook deliveries (each after its ~24 h of retries) that disable the endpoint.'),
  },
  (v) => ({ allow: parseAllowList(v.allowedHosts), disableAfter: v.disableAfter }),
);

export type WebhooksSettings = SettingsOf<typeof webhooksSettings>;
