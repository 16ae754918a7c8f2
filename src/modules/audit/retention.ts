// The retention purge: records older than AUDIT_RETENTION_DAYS are deleted, in batches, each
// in its own transaction that alone may delete (the table's trigger refuses everyone else).
// Run daily by the `audit.purge` cron job.
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Clock } from '../../core/module.ts';
import { auditEvents } from './repository.ts';

export interface RetentionDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  retentionDays: number;
  /** Rows per transaction (default PURGE_BATCH). */
  batchSize?: number;
}

const DAY_MS = 86_400_000;
/** Rows per transaction: short transactions, and a first purge of a large backlog still progresses. */
export const PURGE_BATCH = 5000;

export function createRetention(deps: RetentionDeps) {
  const { db, events, clock, retentionDays } = deps;
  const batchSize = deps.batchSize ?? PURGE_BATCH;

  /**
   * Deletes every record that occurred before now − retention. Each batch publishes
   * `audit.purged` in its transaction, so the log itself says what was removed and when.
   * Stops between batches when `signal` aborts (shutdown, job timeout); the next run resumes.
   */
  async function purgeExpired(signal?: AbortSignal): Promise<{ before: string; deleted: number }> {
    const before = new Date(clock.now().getTime() - retentionDays * DAY_MS);
    let deleted = 0;
    for (;;) {
      if (signal?.aborted) break;
      const n = await db.transaction().execute(async (tx) => {
        await auditEvents.allowPurge(tx);
        const count = await auditEvents.deleteBefore(tx, before, batchSize);
        if (count > 0) await events.publish(tx, 'audit.purged', { before: before.toISOString(), deleted: count }, { actorId: null });
        return count;
      });
      deleted += n;
      if (n < batchSize) break;
    }
    return { before: before.toISOString(), deleted };
  }

  return { purgeExpired };
}

export type Retention = ReturnType<typeof createRetention>;
