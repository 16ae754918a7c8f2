// The audit module's only public door: an append-only record of every domain event (who, from
// where, what, in which org), read by org admins and global admins, kept AUDIT_RETENTION_DAYS.
// It changes nothing in other modules: it listens to the whole event stream.
import { fileURLToPath } from 'node:url';
import { subscribeAll } from '../../core/events/types.ts';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { organizationsModule } from '../organizations/index.ts';
import { recordEvent, recordEvents } from './recorder.ts';
import { PurgeResult } from './schemas.ts';
import { createRetention } from './retention.ts';
import { auditRoutes } from './routes.ts';
import { auditSettings } from './settings.ts';
import { createAuditService } from './service.ts';
import { auditEvents } from './events.ts';

export type { AuditEvents } from './events.ts';

/** Nothing needs the audit log from another module; the façade stays empty until one does. */
export type AuditApi = Record<string, never>;

/** Daily, at a quiet minute (UTC), not on the hour when other schedules pile up. */
export const AUDIT_PURGE_CRON = '17 3 * * *';

export const auditModule = defineModule({
  name: 'audit',
  apiTags: [{ name: 'audit', description: 'The audit log of an organization, and of the whole instance for administrators.' }],
  requires: { organizations: organizationsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: auditEvents,
  settings: auditSettings,
  scopes: [
    { name: 'audit:read', description: "Read and export the audit log: an organization's (its admins), the whole instance's (administrators)." },
  ],
  setup(core, { organizations }): ModuleInstance<AuditApi> {
    const audit = createAuditService({ db: core.db, events: core.events, clock: core.clock, organizations });
    const retention = createRetention({ db: core.db, events: core.events, clock: core.clock, retentionDays: core.settings.retentionDays });
    return {
      api: {},
      routes: auditRoutes(audit),
      // Runs in the delivery transaction of each event; never rename (deliveries are keyed by it).
      subscribers: [
        subscribeAll(
          'audit.record',
          (event, { db }) => recordEvent(db, core.eventCatalog, event),
          (events, { db }) => recordEvents(db, core.eventCatalog, events),
        ),
      ],
      jobs: [{ name: 'audit.purge', cron: AUDIT_PURGE_CRON, exclusive: true, result: PurgeResult, handler: (job) => retention.purgeExpired(job.signal) }],
    };
  },
});
