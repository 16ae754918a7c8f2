// The module's background work: schema syncs (introspection can take a while on a big server)
// and re-sealing credentials after the master key rotated.
import type { Registries } from '../../core/contributions.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { Secrets } from '../../core/security/secrets.ts';
import { describeFailure } from './failures.ts';
import { schemas, sources } from './repository.ts';
import { ResealResult, SyncResult } from './schemas.ts';
import type { Targets } from './targets.ts';

export const SYNC_JOB = 'data_sources.sync';
export const RESEAL_JOB = 'data_sources.reseal';

interface SyncData {
  orgId: string;
  sourceId: string;
  actorId: string;
}

export function dataSourcesJobs(deps: { db: Executor; events: EventPublisher; clock: Clock; secrets: Secrets; registries: Registries; targets: Targets; log: Logger }): JobDefinition[] {
  const { db, events, clock, secrets, registries, targets, log } = deps;

  const sync: JobDefinition<SyncData, typeof SyncResult> = {
    name: SYNC_JOB,
    result: SyncResult,
    retryLimit: 1,
    retryDelaySeconds: 10,
    timeoutSeconds: 300,
    async handler(ctx) {
      const { orgId, sourceId } = ctx.data;
      const row = await sources.byId(db, orgId, sourceId);
      if (!row) return { sourceId, tables: 0, schemaVersion: 0 };
      const connector = registries.connectors.get(row.kind);
      try {
        if (!connector) throw new Error(`no connector for ${row.kind}`);
        await ctx.progress(0.1, 'connecting');
        const schema = await connector.introspect(await targets.of(row), ctx.signal);
        const tables = schema.schemas.reduce((n, s) => n + s.tables.length, 0);
        const schemaVersion = await db.transaction().execute(async (tx) => {
          const locked = await sources.lock(tx, orgId, sourceId);
          if (!locked) return 0;
          const now = clock.now();
          await schemas.save(tx, { source_id: sourceId, org_id: orgId, schema, synced_at: now });
          await sources.update(tx, orgId, sourceId, { sync_status: 'ok', sync_error: null, synced_at: now, schema_version: locked.schema_version + 1 });
          await events.publish(tx, 'data_sources.schema_synced', { orgId, sourceId, ok: true, tables, schemaVersion: locked.schema_version + 1, error: null }, { orgId });
          return locked.schema_version + 1;
        });
        return { sourceId, tables, schemaVersion };
      } catch (err) {
        const failure = describeFailure(err, row);
        const message = failure?.message ?? 'The schema could not be read (an internal error; the server log has its id)';
        if (!failure) log.error({ err, sourceId }, 'data source sync failed');
        await db.transaction().execute(async (tx) => {
          await sources.update(tx, orgId, sourceId, { sync_status: 'failed', sync_error: message });
          await events.publish(tx, 'data_sources.schema_synced', { orgId, sourceId, ok: false, tables: 0, schemaVersion: row.schema_version, error: message }, { orgId });
        });
        throw new Error(message);
      }
    },
  };

  // Every few minutes: cheap when nothing is left (one indexed read), and a rotation needs no
  // operator step beyond setting SEALING_PREVIOUS_KEYS.
  const reseal: JobDefinition<Record<string, never>, typeof ResealResult> = {
    name: RESEAL_JOB,
    result: ResealResult,
    cron: '*/5 * * * *',
    exclusive: true,
    async handler() {
      let resealed = 0;
      for (;;) {
        const batch = await db.transaction().execute(async (tx) => {
          const rows = await sources.sealedWithOtherKey(tx, secrets.keyId, 100);
          for (const r of rows) {
            await sources.update(tx, r.org_id, r.id, { secrets_sealed: secrets.seal(secrets.open(r.secrets_sealed!)), key_id: secrets.keyId });
          }
          return rows.length;
        });
        resealed += batch;
        if (batch < 100) break;
      }
      if (resealed) log.info({ resealed }, 'data source secrets re-sealed');
      return { resealed };
    },
  };

  return [sync, reseal];
}
