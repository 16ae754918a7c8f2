// Daily housekeeping of the delivery log: deliveries are kept LOG_RETENTION_DAYS, then
// deleted with their attempts. A delivery still pending long after its whole retry
// schedule (at most ~34 h) lost its job (a crash during the last attempt): it is failed,
// so it shows as such and can be redelivered.
import type { Executor } from '../../core/db/database.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { Clock } from '../../core/module.ts';
import { deliveries } from './repository.ts';
import { PruneJobResult } from './schemas.ts';

export const LOG_RETENTION_DAYS = 30;
const ABANDONED_AFTER_MS = 48 * 3600 * 1000;

export function pruneJob(deps: { db: Executor; clock: Clock }): JobDefinition<unknown, typeof PruneJobResult> {
  return {
    name: 'webhooks.prune_deliveries',
    result: PruneJobResult,
    cron: '17 3 * * *',
    exclusive: true,
    async handler() {
      const now = deps.clock.now();
      const abandoned = await deliveries.abandon(deps.db, new Date(now.getTime() - ABANDONED_AFTER_MS), now);
      const deleted = await deliveries.prune(deps.db, new Date(now.getTime() - LOG_RETENTION_DAYS * 86_400_000));
      return { abandoned, deleted };
    },
  };
}
