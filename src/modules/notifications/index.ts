// The notifications module's only public door: in-app notifications, email and SMS sent
// from other modules' events according to each user's preferences, and the realtime
// stream (SSE) that pushes them and any other realtime message to the user's clients. What
// it sends is what the modules declare as notification kinds (decision 0035): it names none.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { authModule } from '../auth/index.ts';
import { createCatalog } from './catalog.ts';
import { createDelivery } from './delivery.ts';
import { notifications } from './repository.ts';
import { notificationsRoutes } from './routes.ts';
import { notificationSchemas } from './schemas.ts';
import { createNotificationsService } from './service.ts';
import { notificationsSettings } from './settings.ts';
import { createSmsProvider } from './sms/index.ts';
import { createStreamHub } from './stream/hub.ts';
import { streamRoutes } from './stream/routes.ts';
import { createStreamTickets } from './stream/tickets.ts';
import { createTriggers } from './triggers.ts';
import { notificationsEvents } from './events.ts';

export type { Channel } from './catalog.ts';
export type { NotificationsEvents } from './events.ts';

/** Open streams per user on one instance: enough for several tabs and devices, not for a leak. */
const MAX_STREAMS_PER_USER = 10;

// Nothing for other modules to call: they reach users by declaring notification kinds.
export type NotificationsApi = Record<string, never>;

export const notificationsModule = defineModule({
  name: 'notifications',
  apiTags: [{ name: 'notifications', description: 'Notifications, preferences and the realtime event stream (Server-Sent Events).' }],
  // The accounts behind recipients, and the stream's credentials. Who in an organization is
  // notified is for the producing module to say.
  requires: { auth: authModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: notificationsEvents,
  settings: notificationsSettings,
  scopes: [
    { name: 'notifications:read', description: 'Read notifications and preferences; open the realtime stream.' },
    { name: 'notifications:write', description: 'Mark notifications read; change preferences.' },
  ],
  setup(core, { auth }): ModuleInstance<NotificationsApi> {
    const catalog = createCatalog(core.notificationKinds.kinds);
    const service = createNotificationsService(core, catalog);
    const delivery = createDelivery({ core, auth, catalog, sms: createSmsProvider(core.settings.sms, core.log) });
    const triggers = createTriggers(core, { delivery });
    const hub = createStreamHub({
      realtime: core.realtime,
      log: core.log,
      heartbeatMs: core.settings.streamHeartbeatMs,
      maxPerUser: MAX_STREAMS_PER_USER,
      replay: (userId, afterId, limit) => notifications.since(core.db, userId, afterId, limit),
    });
    const tickets = createStreamTickets(core);
    core.metrics.gauge('realtime_streams_open', 'Open /api/v1/stream connections on this instance', () => hub.size);
    const routes = notificationsRoutes(service, notificationSchemas(catalog));
    const stream = streamRoutes({ hub, tickets, auth });
    return {
      api: {},
      routes: async (app) => {
        await routes(app);
        await stream(app);
      },
      subscribers: triggers.subscribers,
      jobs: triggers.jobs,
      stop: async () => hub.closeAll(),
    };
  },
});
