// Events in, notifications out, in two steps, for every kind the modules declare (decision
// 0035); this file names none of them. A subscriber per kind runs inside its delivery
// transaction, which must stay short: the kind's trigger picks the facts, which are enqueued as
// a job in the same transaction, so the job exists exactly when the delivery is recorded. The
// job then, outside any transaction, has the kind compose the notification (from its module's
// data and its peers' façades) and delivers it: mail and SMS are slow I/O that must not hold the
// delivery transaction open, and they retry as a job.
import { type Subscriber, subscriber } from '../../core/events/types.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { CoreDeps } from '../../core/module.ts';
import type { Delivery } from './delivery.ts';
import { forgetUser } from './repository.ts';
import { DeliveryResult } from './schemas.ts';

export const DELIVER_JOB = 'notifications.deliver';
const RETRY_LIMIT = 5;

/** A deliver job's data: the kind's facts, its type and the event (the notification's idempotency key). */
export type DeliverJobData = Record<string, unknown> & { kind: string; eventId: string };

export function createTriggers(core: Pick<CoreDeps, 'jobs' | 'realtime' | 'log' | 'notificationKinds'>, deps: { delivery: Delivery }) {
  const { jobs, realtime, log, notificationKinds } = core;

  const kindSubscribers = notificationKinds.kinds.map((kind) =>
    subscriber(`notifications.notify_${kind.type}`, kind.event, async (e, { db }) => {
      const facts = await notificationKinds.handler(kind.type)?.trigger(e, { db });
      if (facts) await jobs.enqueue(DELIVER_JOB, { ...facts, kind: kind.type, eventId: e.id }, { db });
    }),
  );

  // Reactions to identity itself (the module may know it: it checks access with auth's façade).
  const identitySubscribers = [
    // A deleted account leaves nothing personal here.
    subscriber('notifications.forget_deleted_user', 'auth.status_changed', async (e, { db }) => {
      if (e.payload.status === 'deleted') await forgetUser(db, e.payload.userId);
    }),
    // Open streams of a revoked session or API key close on every instance, at commit.
    subscriber('notifications.close_revoked_session_streams', 'auth.session_revoked', (e, { db }) =>
      realtime.publishWithin(db, e.payload.userId, { event: 'stream.close', data: { sessionIds: e.payload.sessionIds } }),
    ),
    subscriber('notifications.close_revoked_key_streams', 'auth.api_key_revoked', (e, { db }) =>
      realtime.publishWithin(db, e.payload.userId, { event: 'stream.close', data: { apiKeyId: e.payload.apiKeyId } }),
    ),
  ];

  const deliverJob: JobDefinition<DeliverJobData, typeof DeliveryResult> = {
    name: DELIVER_JOB,
    result: DeliveryResult,
    retryLimit: RETRY_LIMIT,
    retryDelaySeconds: 10,
    retryBackoff: true,
    timeoutSeconds: 120,
    async handler(job) {
      const { kind: type, eventId, ...facts } = job.data;
      const handler = notificationKinds.handler(type);
      if (!handler) {
        // Enqueued before its kind was removed from the module that declared it.
        log.warn({ jobId: job.id, type }, 'notification of a type no module declares: dropped');
        return { recipients: 0 };
      }
      const notice = await handler.compose(facts);
      if (!notice || notice.recipients.length === 0) return { recipients: 0 };
      const { recipients, ...content } = notice;
      const notified = await deps.delivery.deliver(eventId, recipients, { ...content, type }, { finalAttempt: job.attempt > RETRY_LIMIT });
      return { recipients: notified };
    },
  };

  return { subscribers: [...kindSubscribers, ...identitySubscribers] as Subscriber<any>[], jobs: [deliverJob] };
}
