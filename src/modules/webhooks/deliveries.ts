// Deliveries: the fan-out of domain events to matching endpoints, test sends, the delivery
// log and manual redelivery. Each delivery row is created together with its job, in one
// transaction, so a delivery exists exactly when it is going to be sent.
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventCatalog } from '../../core/events/declarations.ts';
import { type DomainEvent, subscribeAll } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import { DELIVER_JOB, type DeliverJobData, MANUAL_ATTEMPTS, SCHEDULED_ATTEMPTS } from './deliver-job.ts';
import { WebhookProblems } from './problems.ts';
import { matchesAny } from './patterns.ts';
import { attempts, type DeliveryRow, type DeliveryStatus, deliveries, endpoints } from './repository.ts';
import { nowOf, type WebhooksDeps } from './service.ts';
import { type DeliveryView, toDeliveryView } from './views.ts';

/** The type of the event `POST …/test` sends; it goes to the tested endpoint only. */
export const TEST_EVENT_TYPE = 'webhook.test';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Standard Webhooks body: `id` is also the `webhook-id` header; `version` is the version of
 * `data`'s schema, as the event's declaration gives it (decision 0036).
 */
export const bodyOf = (id: string, type: string, version: number, timestamp: Date, data: Record<string, unknown>) =>
  JSON.stringify({ id, type, version, timestamp: timestamp.toISOString(), data });

/**
 * What receivers get of a domain event: public events only, with the fields their declaration
 * names and nothing the producer added for its own subscribers, plus the org. Null for an
 * internal event, or one this version does not declare.
 */
function publicBodyOf(catalog: EventCatalog, event: DomainEvent, orgId: string): string | null {
  const declared = catalog.get(event.type);
  if (!declared?.public) return null;
  const data = { ...catalog.publicPayload(event.type, event.payload), orgId };
  return bodyOf(event.id, event.type, declared.version, new Date(event.occurredAt), data);
}

/** The org an event belongs to: the envelope's, else one its payload names. */
function orgOf(event: DomainEvent): string | null {
  const fromPayload = (event.payload as { orgId?: unknown } | null)?.orgId;
  const orgId = event.orgId ?? (typeof fromPayload === 'string' ? fromPayload : null);
  return orgId && UUID.test(orgId) ? orgId : null;
}

export function createDeliveriesService(deps: WebhooksDeps, catalog: EventCatalog) {
  const { db, clock, jobs, orgs } = deps;

  function newDelivery(orgId: string, endpointId: string, eventId: string, eventType: string, body: string, now: Date): DeliveryRow {
    return {
      id: uuidv7(),
      org_id: orgId,
      endpoint_id: endpointId,
      event_id: eventId,
      event_type: eventType,
      body,
      status: 'pending',
      attempts: 0,
      last_status: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      delivered_at: null,
    };
  }

  /** In the caller's transaction: the job exists only if the delivery row commits. */
  /** The endpoint is the job's group: a slow endpoint holds at most its share of the workers. */
  async function enqueue(tx: Executor, deliveryId: string, endpointId: string, manual: boolean): Promise<void> {
    const data: DeliverJobData = manual ? { deliveryId, maxAttempts: MANUAL_ATTEMPTS, scheduled: false } : { deliveryId, maxAttempts: SCHEDULED_ATTEMPTS, scheduled: true };
    await jobs.enqueue(DELIVER_JOB, data, { db: tx, group: endpointId, ...(manual ? { retryLimit: MANUAL_ATTEMPTS - 1 } : {}) });
  }

  /**
   * Runs for every event, inside its delivery transaction; it needs only this module's tables.
   * The unique (endpoint, event) key makes a redelivered event create nothing new.
   */
  async function fanOut(event: DomainEvent, tx: Executor): Promise<void> {
    const orgId = orgOf(event);
    if (!orgId || !catalog.get(event.type)?.public) return;
    const targets = (await endpoints.enabledForOrg(tx, orgId)).filter((e) => matchesAny(e.events, event.type));
    if (!targets.length) return;
    const body = publicBodyOf(catalog, event, orgId)!;
    const now = nowOf(clock);
    const rows = targets.map((e) => newDelivery(orgId, e.id, event.id, event.type, body, now));
    const created = new Set(await deliveries.insertNew(tx, rows));
    for (const row of rows) if (created.has(row.id)) await enqueue(tx, row.id, row.endpoint_id, false);
  }

  /**
   * fanOut for a batch of events (the dispatcher's handleBatch), in event order: one query for
   * the endpoints of their orgs, one insert of the deliveries and one of their jobs, instead of
   * three or four statements per event: at a few hundred events per second the per-event round
   * trips were what held the dispatcher back (decision 0029).
   */
  async function fanOutBatch(events: DomainEvent[], tx: Executor): Promise<void> {
    const withOrg = events
      .filter((event) => catalog.get(event.type)?.public)
      .map((event) => ({ event, orgId: orgOf(event) }))
      .filter((e): e is { event: DomainEvent; orgId: string } => e.orgId !== null);
    if (!withOrg.length) return;
    const enabled = await endpoints.enabledForOrgs(tx, [...new Set(withOrg.map((e) => e.orgId))]);
    if (!enabled.length) return;
    const now = nowOf(clock);
    const rows: DeliveryRow[] = [];
    for (const { event, orgId } of withOrg) {
      const targets = enabled.filter((e) => e.org_id === orgId && matchesAny(e.events, event.type));
      if (!targets.length) continue;
      const body = publicBodyOf(catalog, event, orgId)!;
      for (const e of targets) rows.push(newDelivery(orgId, e.id, event.id, event.type, body, now));
    }
    if (!rows.length) return;
    const created = new Set(await deliveries.insertNewMany(tx, rows));
    const fresh = rows.filter((row) => created.has(row.id));
    const data = (deliveryId: string): DeliverJobData => ({ deliveryId, maxAttempts: SCHEDULED_ATTEMPTS, scheduled: true });
    await jobs.enqueueMany(
      DELIVER_JOB,
      fresh.map((row) => ({ data: data(row.id), group: row.endpoint_id })),
      { db: tx },
    );
  }

  async function withLog(orgId: string, rows: DeliveryRow[]): Promise<DeliveryView[]> {
    const log = await attempts.forDeliveries(
      db,
      orgId,
      rows.map((d) => d.id),
    );
    return rows.map((d) =>
      toDeliveryView(
        d,
        log.filter((a) => a.delivery_id === d.id),
      ),
    );
  }

  /** Sends a `webhook.test` event to this endpoint only, through the same job and signing. */
  async function sendTest(actor: Actor, orgId: string, endpointId: string): Promise<DeliveryView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const now = nowOf(clock);
    const row = await db.transaction().execute(async (tx) => {
      const endpoint = await endpoints.byId(tx, orgId, endpointId);
      if (!endpoint) throw WebhookProblems.notFound.error('Webhook not found');
      if (!endpoint.enabled) throw WebhookProblems.endpointDisabled.error('The webhook endpoint is disabled; enable it first');
      const eventId = uuidv7();
      const body = bodyOf(eventId, TEST_EVENT_TYPE, 1, now, { orgId, endpointId, message: 'This is a test event from Trellis.' });
      const delivery = newDelivery(orgId, endpointId, eventId, TEST_EVENT_TYPE, body, now);
      await deliveries.insertNew(tx, [delivery]);
      await enqueue(tx, delivery.id, endpointId, true);
      return delivery;
    });
    return toDeliveryView(row, []);
  }

  async function list(actor: Actor, orgId: string, endpointId: string, input: { status?: DeliveryStatus; cursor?: string; limit: number }): Promise<Page<DeliveryView>> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const before = decodeCursor(input.cursor, isUuidKey);
    if (!(await endpoints.byId(db, orgId, endpointId))) throw WebhookProblems.notFound.error('Webhook not found');
    const rows = await deliveries.list(db, orgId, endpointId, { status: input.status, beforeId: before ? String(before[0]) : undefined, limit: input.limit + 1 });
    const page = toPage(rows, input.limit, (d) => [d.id]);
    return { data: await withLog(orgId, page.data), page: page.page };
  }

  async function get(actor: Actor, orgId: string, endpointId: string, deliveryId: string): Promise<DeliveryView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    if (!(await endpoints.byId(db, orgId, endpointId))) throw WebhookProblems.notFound.error('Webhook not found');
    const row = await deliveries.byId(db, orgId, endpointId, deliveryId);
    if (!row) throw WebhookProblems.deliveryNotFound.error('Webhook delivery not found');
    return (await withLog(orgId, [row]))[0];
  }

  /** Sends a finished (delivered or failed) delivery again, once, with the same webhook-id and body. */
  async function redeliver(actor: Actor, orgId: string, endpointId: string, deliveryId: string): Promise<DeliveryView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const now = nowOf(clock);
    const row = await db.transaction().execute(async (tx) => {
      const endpoint = await endpoints.byId(tx, orgId, endpointId);
      if (!endpoint) throw WebhookProblems.notFound.error('Webhook not found');
      if (!(await deliveries.byId(tx, orgId, endpointId, deliveryId))) throw WebhookProblems.deliveryNotFound.error('Webhook delivery not found');
      if (!endpoint.enabled) throw WebhookProblems.endpointDisabled.error('The webhook endpoint is disabled; enable it first');
      const reopened = await deliveries.reopen(tx, orgId, deliveryId, now);
      if (!reopened) throw WebhookProblems.deliveryPending.error('The delivery is still in progress');
      await enqueue(tx, deliveryId, endpointId, true);
      return reopened;
    });
    return (await withLog(orgId, [row]))[0];
  }

  return {
    sendTest,
    list,
    get,
    redeliver,
    subscribers: [
      subscribeAll(
        'webhooks.fan_out',
        (event, { db: tx }) => fanOut(event, tx),
        (events, { db: tx }) => fanOutBatch(events, tx),
        // Receivers get public events only (decision 0036).
        (type) => catalog.get(type)?.public === true,
      ),
    ],
  };
}

export type DeliveriesService = ReturnType<typeof createDeliveriesService>;
