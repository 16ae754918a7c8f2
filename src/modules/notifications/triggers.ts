// Events in, notifications out, in two steps. A subscriber runs inside its delivery
// transaction, which must stay short: it records the facts it needs as a job, enqueued in
// the same transaction, so the job exists exactly when the delivery is recorded. The job
// then, outside any transaction, asks the peers who to notify and delivers: mail and SMS
// are slow I/O that must not hold the delivery transaction open, and they retry as a job.
import type { Executor } from '../../core/db/database.ts';
import { type Subscriber, subscriber } from '../../core/events/types.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { CoreDeps } from '../../core/module.ts';
import type { Composer, Trigger } from './compose.ts';
import type { Delivery } from './delivery.ts';
import { deviceFingerprint, isNewDeviceAlert } from './devices.ts';
import { forgetUser, knownDevices } from './repository.ts';
import { DeliveryResult } from './schemas.ts';

export const DELIVER_JOB = 'notifications.deliver';
const RETRY_LIMIT = 5;

/** Why an endpoint was disabled, as the admins read it. */
const DISABLED_REASONS: Record<string, string> = {
  gone: 'the receiver answered 410 Gone',
  failing: 'too many deliveries in a row failed',
};

export function createTriggers(core: Pick<CoreDeps, 'jobs' | 'clock' | 'realtime'>, deps: { composer: Composer; delivery: Delivery }) {
  const { jobs, clock, realtime } = core;

  const enqueue = async (db: Executor, trigger: Trigger) => {
    await jobs.enqueue(DELIVER_JOB, trigger, { db });
  };

  const subscribers: Subscriber<any>[] = [
    subscriber('notifications.on_invitation_sent', 'organizations.invitation_sent', (e, { db }) => {
      const p = e.payload;
      return enqueue(db, { kind: 'invitation_received', eventId: e.id, orgId: p.orgId, invitationId: p.invitationId, email: p.email, role: p.role, invitedBy: p.invitedBy });
    }),

    // An org's creator is its first owner: telling them they joined what they just created is noise.
    subscriber('notifications.on_member_added', 'organizations.member_added', async (e, { db }) => {
      const p = e.payload;
      if (p.via === 'creation') return;
      await enqueue(db, { kind: 'member_added', eventId: e.id, orgId: p.orgId, userId: p.userId, role: p.role, via: p.via });
    }),

    subscriber('notifications.on_webhook_disabled', 'webhooks.endpoint_disabled', (e, { db }) => {
      const p = e.payload;
      return enqueue(db, { kind: 'webhook_disabled', eventId: e.id, orgId: p.orgId, endpointId: p.endpointId, url: p.url, reason: DISABLED_REASONS[p.reason] ?? p.reason });
    }),

    subscriber('notifications.on_export_ready', 'reports.export_ready', (e, { db }) => {
      const p = e.payload;
      return enqueue(db, { kind: 'export_ready', eventId: e.id, orgId: p.orgId, userId: p.userId, jobId: p.jobId, fileName: p.fileName });
    }),

    subscriber('notifications.on_password_changed', 'auth.password_changed', (e, { db }) =>
      enqueue(db, { kind: 'password_changed', eventId: e.id, userId: e.payload.userId, via: e.payload.via, at: e.occurredAt.toISOString(), ip: e.ip, userAgent: e.userAgent }),
    ),

    // The device check uses only this module's table, so it runs here, in the delivery's
    // transaction: a redelivered event finds the delivery recorded and never alerts twice,
    // and a failed enqueue rolls the sighting back with it.
    subscriber('notifications.on_logged_in', 'auth.logged_in', async (e, { db }) => {
      const { userId, sessionId, method } = e.payload;
      const ip = e.payload.ip ?? e.ip;
      const known = await knownDevices.count(db, userId);
      const isNew = await knownDevices.see(db, userId, deviceFingerprint(e.userAgent, ip), clock.now());
      if (!isNewDeviceAlert(known, !isNew)) return;
      await enqueue(db, { kind: 'new_sign_in', eventId: e.id, userId, sessionId, method, at: e.occurredAt.toISOString(), ip, userAgent: e.userAgent });
    }),

    subscriber('notifications.forget_deleted_user', 'users.deleted', (e, { db }) => forgetUser(db, e.payload.userId)),

    // Open streams of a revoked session or API key close on every instance, at commit.
    subscriber('notifications.close_revoked_session_streams', 'auth.session_revoked', (e, { db }) =>
      realtime.publishWithin(db, e.payload.userId, { event: 'stream.close', data: { sessionIds: e.payload.sessionIds } }),
    ),
    subscriber('notifications.close_revoked_key_streams', 'auth.api_key_revoked', (e, { db }) =>
      realtime.publishWithin(db, e.payload.userId, { event: 'stream.close', data: { apiKeyId: e.payload.apiKeyId } }),
    ),
  ];

  const deliverJob: JobDefinition<Trigger, typeof DeliveryResult> = {
    name: DELIVER_JOB,
    result: DeliveryResult,
    retryLimit: RETRY_LIMIT,
    retryDelaySeconds: 10,
    retryBackoff: true,
    timeoutSeconds: 120,
    async handler(job) {
      const composed = await deps.composer.compose(job.data);
      if (!composed || composed.recipients.length === 0) return { recipients: 0 };
      await deps.delivery.deliver(job.data.eventId, composed.recipients, composed.content, { finalAttempt: job.attempt > RETRY_LIMIT });
      return { recipients: composed.recipients.length };
    },
  };

  return { subscribers, jobs: [deliverJob] };
}
