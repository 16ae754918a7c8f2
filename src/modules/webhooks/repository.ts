// SQL of webhooks.endpoints, webhooks.deliveries and webhooks.attempts. Every query of org
// data filters by org_id too, even when the id alone would do (defence in depth).
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { DisabledReason } from './events.ts';

export interface EndpointsTable {
  id: string;
  org_id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  secret_rotated_at: Date | null;
  consecutive_failures: number;
  disabled_reason: DisabledReason | null;
  disabled_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveriesTable {
  id: string;
  org_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

export interface AttemptsTable {
  id: string;
  delivery_id: string;
  org_id: string;
  attempt: number;
  request_headers: Record<string, string>;
  response_status: number | null;
  response_body: string | null;
  latency_ms: number;
  error: string | null;
  created_at: Date;
}

interface Tables {
  'webhooks.endpoints': EndpointsTable;
  'webhooks.deliveries': DeliveriesTable;
  'webhooks.attempts': AttemptsTable;
}

export type EndpointRow = Selectable<EndpointsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type AttemptRow = Selectable<AttemptsTable>;

const q = (db: Executor) => db as unknown as Kysely<Tables>;
/** jsonb goes in as JSON text, so both drivers bind it the same way. */
const json = (value: unknown) => JSON.stringify(value) as any;

export const endpoints = {
  async insert(db: Executor, row: EndpointRow): Promise<EndpointRow> {
    return q(db)
      .insertInto('webhooks.endpoints')
      .values({ ...row, events: json(row.events) })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('webhooks.endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),

  /** Locks the row: rotation and re-enabling read-modify-write it. */
  forUpdate: (db: Executor, orgId: string, id: string) =>
    q(db).selectFrom('webhooks.endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst(),

  /** Keyset page on (org_id, id): creation order. */
  list(db: Executor, orgId: string, opts: { afterId?: string; limit: number }) {
    let query = q(db).selectFrom('webhooks.endpoints').selectAll().where('org_id', '=', orgId);
    if (opts.afterId) query = query.where('id', '>', opts.afterId);
    return query.orderBy('id').limit(opts.limit).execute();
  },

  async countForOrg(db: Executor, orgId: string): Promise<number> {
    const r = await q(db).selectFrom('webhooks.endpoints').select(sql<number>`count(*)::int`.as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
    return r.n;
  },

  update(db: Executor, orgId: string, id: string, patch: Updateable<EndpointsTable>) {
    const values = patch.events ? { ...patch, events: json(patch.events) } : patch;
    return q(db).updateTable('webhooks.endpoints').set(values).where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirst();
  },

  async remove(db: Executor, orgId: string, id: string): Promise<boolean> {
    const r = await q(db).deleteFrom('webhooks.endpoints').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },

  /** The fan-out's candidates (endpoints_org_idx); patterns are matched in code. */
  enabledForOrg: (db: Executor, orgId: string) => q(db).selectFrom('webhooks.endpoints').select(['id', 'events']).where('org_id', '=', orgId).where('enabled', '=', true).execute(),

  /** The enabled endpoints of several orgs at once (the fan-out of a batch of events). */
  enabledForOrgs: (db: Executor, orgIds: string[]) =>
    q(db).selectFrom('webhooks.endpoints').select(['id', 'org_id', 'events']).where('org_id', 'in', orgIds).where('enabled', '=', true).execute(),

  /** Disables an enabled endpoint; undefined when it was already disabled (the event is published once). */
  disable: (db: Executor, id: string, reason: DisabledReason, now: Date) =>
    q(db)
      .updateTable('webhooks.endpoints')
      .set({ enabled: false, disabled_reason: reason, disabled_at: now, updated_at: now })
      .where('id', '=', id)
      .where('enabled', '=', true)
      .returningAll()
      .executeTakeFirst(),

  async resetFailures(db: Executor, id: string): Promise<void> {
    await q(db).updateTable('webhooks.endpoints').set({ consecutive_failures: 0 }).where('id', '=', id).where('consecutive_failures', '<>', 0).execute();
  },

  /** Counts one more delivery that failed for good; returns the new count. */
  async countFailure(db: Executor, id: string): Promise<number> {
    const r = await q(db)
      .updateTable('webhooks.endpoints')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
      .where('id', '=', id)
      .returning('consecutive_failures')
      .executeTakeFirst();
    return r?.consecutive_failures ?? 0;
  },
};

export const deliveries = {
  /** Skips (endpoint, event) pairs that exist already; returns the ids of the new rows. */
  async insertNew(db: Executor, rows: DeliveryRow[]): Promise<string[]> {
    if (!rows.length) return [];
    const inserted = await q(db)
      .insertInto('webhooks.deliveries')
      .values(rows)
      .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
      .returning('id')
      .execute();
    return inserted.map((r) => r.id);
  },

  /**
   * insertNew for a batch (the fan-out of many events), the rows sent as one JSON parameter:
   * binding thirteen parameters per row cost more, on both sides, than the rows' JSON.
   */
  async insertNewMany(db: Executor, rows: DeliveryRow[]): Promise<string[]> {
    if (!rows.length) return [];
    const { rows: inserted } = await sql<{ id: string }>`
      INSERT INTO webhooks.deliveries (id, org_id, endpoint_id, event_id, event_type, body, status, attempts, last_status, last_error, created_at, updated_at, delivered_at)
      SELECT id, org_id, endpoint_id, event_id, event_type, body, status, attempts, last_status, last_error, created_at, updated_at, delivered_at
      FROM json_to_recordset(${JSON.stringify(rows)}::json) AS r(
        id uuid, org_id uuid, endpoint_id uuid, event_id uuid, event_type text, body text, status text, attempts int,
        last_status int, last_error text, created_at timestamptz, updated_at timestamptz, delivered_at timestamptz)
      ON CONFLICT (endpoint_id, event_id) DO NOTHING
      RETURNING id`.execute(db);
    return inserted.map((r) => r.id);
  },

  byId: (db: Executor, orgId: string, endpointId: string, id: string) =>
    q(db).selectFrom('webhooks.deliveries').selectAll().where('org_id', '=', orgId).where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst(),

  /** For the delivery job, which has only the id: the delivery and its endpoint. */
  async withEndpoint(db: Executor, id: string): Promise<{ delivery: DeliveryRow; endpoint: EndpointRow } | undefined> {
    const delivery = await q(db).selectFrom('webhooks.deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!delivery) return undefined;
    const endpoint = await endpoints.byId(db, delivery.org_id, delivery.endpoint_id);
    return endpoint ? { delivery, endpoint } : undefined;
  },

  /** Newest first, keyset on id (deliveries_endpoint_idx). */
  list(db: Executor, orgId: string, endpointId: string, opts: { status?: DeliveryStatus; beforeId?: string; limit: number }) {
    let query = q(db).selectFrom('webhooks.deliveries').selectAll().where('org_id', '=', orgId).where('endpoint_id', '=', endpointId);
    if (opts.status) query = query.where('status', '=', opts.status);
    if (opts.beforeId) query = query.where('id', '<', opts.beforeId);
    return query.orderBy('id', 'desc').limit(opts.limit).execute();
  },

  /** Numbers the next attempt of a delivery and records its outcome on the delivery. */
  async recordAttempt(
    db: Executor,
    id: string,
    outcome: { status: DeliveryStatus; lastStatus: number | null; lastError: string | null; now: Date },
  ): Promise<DeliveryRow | undefined> {
    return q(db)
      .updateTable('webhooks.deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        status: outcome.status,
        last_status: outcome.lastStatus,
        last_error: outcome.lastError,
        updated_at: outcome.now,
        ...(outcome.status === 'delivered' ? { delivered_at: outcome.now } : {}),
      }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  /** Ends a delivery without sending (its endpoint was disabled meanwhile). */
  async fail(db: Executor, id: string, error: string, now: Date): Promise<void> {
    await q(db).updateTable('webhooks.deliveries').set({ status: 'failed', last_error: error, updated_at: now }).where('id', '=', id).where('status', '=', 'pending').execute();
  },

  /** Back to pending for a manual redelivery; undefined unless it had finished (delivered or failed). */
  reopen: (db: Executor, orgId: string, id: string, now: Date) =>
    q(db)
      .updateTable('webhooks.deliveries')
      .set({ status: 'pending', updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', '<>', 'pending')
      .returningAll()
      .executeTakeFirst(),

  /** Fails deliveries still pending since before `before`: their job ended without recording an outcome (a crash on the last attempt). */
  async abandon(db: Executor, before: Date, now: Date): Promise<number> {
    const r = await q(db)
      .updateTable('webhooks.deliveries')
      .set({ status: 'failed', last_error: 'abandoned: the delivery job ended without recording an outcome', updated_at: now })
      .where('status', '=', 'pending')
      .where('updated_at', '<', before)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** Deletes finished deliveries (and their attempts) created before `before`. */
  async prune(db: Executor, before: Date): Promise<number> {
    const r = await q(db).deleteFrom('webhooks.deliveries').where('created_at', '<', before).where('status', '<>', 'pending').executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};

export const attempts = {
  async insert(db: Executor, row: AttemptRow): Promise<void> {
    await q(db)
      .insertInto('webhooks.attempts')
      .values({ ...row, request_headers: json(row.request_headers) })
      .execute();
  },

  forDeliveries: (db: Executor, orgId: string, deliveryIds: string[]) =>
    deliveryIds.length
      ? q(db).selectFrom('webhooks.attempts').selectAll().where('org_id', '=', orgId).where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute()
      : Promise.resolve([] as AttemptRow[]),
};
