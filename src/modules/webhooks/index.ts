// The webhooks module's only public door: org webhook endpoints that receive the org's
// domain events as signed Standard Webhooks deliveries, through the job queue.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { organizationsModule } from '../organizations/index.ts';
import { createDeliveriesService } from './deliveries.ts';
import { deliverJob } from './deliver-job.ts';
import { webhooksNotifications } from './notifications.ts';
import { pruneJob } from './prune-job.ts';
import { webhooksRoutes } from './routes.ts';
import { createEndpointsService, type WebhooksDeps } from './service.ts';
import { webhooksEvents } from './events.ts';
import { webhooksSettings } from './settings.ts';

export type { DisabledReason, WebhooksEvents } from './events.ts';
export { type VerifyResult, verifyWebhook } from './verify.ts';

// Nothing other modules need to call: they learn about webhooks from its events.
export type WebhooksApi = Record<string, never>;

export const webhooksModule = defineModule({
  name: 'webhooks',
  apiTags: [{ name: 'webhooks', description: 'Webhook endpoints of an organization: signed deliveries of events, the delivery log, redelivery.' }],
  requires: { organizations: organizationsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: webhooksEvents,
  notifications: webhooksNotifications,
  settings: webhooksSettings,
  scopes: [
    { name: 'webhooks:read', description: 'Read webhook endpoints and their deliveries.' },
    { name: 'webhooks:write', description: 'Create, change and delete webhook endpoints; rotate their secrets, send tests and redeliver.' },
  ],
  setup(core, { organizations }): ModuleInstance<WebhooksApi> {
    const deps: WebhooksDeps = {
      db: core.db,
      events: core.events,
      clock: core.clock,
      secrets: core.secrets,
      jobs: core.jobs,
      log: core.log,
      orgs: organizations,
      allow: core.settings.allow,
      disableAfter: core.settings.disableAfter,
    };
    const deliveries = createDeliveriesService(deps, core.eventCatalog);
    return {
      api: {},
      routes: webhooksRoutes({ endpoints: createEndpointsService(deps, core.eventCatalog), deliveries }),
      subscribers: deliveries.subscribers,
      jobs: [deliverJob(deps), pruneJob(deps)],
    };
  },
});
