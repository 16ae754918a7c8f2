// The job that sends one delivery: SSRF check, signed POST with a 10 s deadline, the attempt
// recorded. 2xx delivers; 410 disables the endpoint at once; any other outcome throws so
// the queue retries with exponential backoff (schedule below). When the last attempt fails
// the delivery is failed, and enough such deliveries in a row disable the endpoint.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import type { JobContext, JobDefinition } from '../../core/jobs/types.ts';
import { guardedPost, OutboundRequestError } from '../../core/net/guarded-post.ts';
import { UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';
import type { DisabledReason } from './events.ts';
import { attempts, type DeliveryRow, type DeliveryStatus, deliveries, type EndpointRow, endpoints } from './repository.ts';
import { DeliverJobResult } from './schemas.ts';
import { nowOf, type WebhooksDeps } from './service.ts';
import { signatureHeader } from './signing.ts';

export const DELIVER_JOB = 'webhooks.deliver';
/**
 * Retry schedule of event deliveries: pg-boss waits between d·2^(k−1) and d·2^k seconds
 * (random jitter) before retry k, with d = 30 s and 11 retries (12 attempts): 30–60 s,
 * 1–2 min, 2–4, 4–8, 8–16, 16–32, 32–64 min, 1.1–2.1 h, 2.1–4.3 h, 4.3–8.5 h, 8.5–17 h.
 * The last attempt comes 17–34 h after the first, about 26 h on average.
 */
export const RETRY_DELAY_SECONDS = 30;
export const RETRY_LIMIT = 11;
export const SCHEDULED_ATTEMPTS = RETRY_LIMIT + 1;
/** Test sends and manual redeliveries are tried once: whoever asked sees the outcome and can ask again. */
export const MANUAL_ATTEMPTS = 1;

export const REQUEST_TIMEOUT_MS = 10_000;
export const RESPONSE_BYTES_KEPT = 64 * 1024;
const USER_AGENT = 'Trellis-Webhooks/1';

export interface DeliverJobData {
  deliveryId: string;
  /** The attempt that is the last one (the job's retry limit + 1). */
  maxAttempts: number;
  /** Scheduled (event) deliveries count towards disabling a failing endpoint; manual ones do not. */
  scheduled: boolean;
}

interface Outcome {
  responseStatus: number | null;
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
}

/** PostgreSQL text cannot hold NUL; a response excerpt is for people to read anyway. */
const printable = (text: string) => text.replaceAll('\u0000', '');

export function deliverJob(deps: WebhooksDeps): JobDefinition<DeliverJobData, typeof DeliverJobResult> {
  const { db, clock, secrets, events, log } = deps;

  /** The secrets that sign now: the current one, and the previous one during a rotation's overlap. */
  function signingSecrets(endpoint: EndpointRow, now: Date): string[] {
    const current = secrets.open(endpoint.secret_sealed);
    const previousLive = endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at && new Date(endpoint.previous_secret_expires_at) > now;
    return previousLive ? [current, secrets.open(endpoint.previous_secret_sealed!)] : [current];
  }

  async function send(endpoint: EndpointRow, delivery: DeliveryRow, headers: Record<string, string>, signal: AbortSignal): Promise<Outcome> {
    try {
      const res = await guardedPost(endpoint.url, {
        allow: deps.allow,
        resolve: deps.resolve,
        headers,
        body: delivery.body,
        timeoutMs: REQUEST_TIMEOUT_MS,
        maxResponseBytes: RESPONSE_BYTES_KEPT,
        signal,
      });
      const ok = res.status >= 200 && res.status < 300;
      const redirect = res.status >= 300 && res.status < 400 && res.headers.location ? ` (redirect to ${String(res.headers.location).slice(0, 500)} not followed)` : '';
      return { responseStatus: res.status, responseBody: printable(res.body), latencyMs: res.latencyMs, error: ok ? null : `HTTP ${res.status}${redirect}` };
    } catch (err) {
      // The delivery log is read by org admins: it gets the guard's general reason and a fixed
      // phrase for network failures; what a name resolved to, or the socket's error naming the
      // address and port, goes to the server log only.
      const where = { deliveryId: delivery.id, endpointId: endpoint.id, orgId: endpoint.org_id };
      if (err instanceof UrlNotAllowedError) {
        log.warn({ ...where, reason: err.reason, check: err.check, detail: err.detail }, 'webhook delivery refused');
        return { responseStatus: null, responseBody: null, latencyMs: 0, error: `URL refused: ${err.message}` };
      }
      if (err instanceof OutboundRequestError) {
        log.info({ ...where, kind: err.kind, detail: err.cause instanceof Error ? err.cause.message : undefined }, 'webhook delivery failed');
        return { responseStatus: null, responseBody: null, latencyMs: err.latencyMs, error: err.message };
      }
      throw err;
    }
  }

  async function disable(tx: Executor, endpoint: EndpointRow, reason: DisabledReason, now: Date): Promise<void> {
    const disabled = await endpoints.disable(tx, endpoint.id, reason, now);
    if (!disabled) return;
    log.warn({ endpointId: endpoint.id, orgId: endpoint.org_id, reason }, 'webhook endpoint disabled');
    await events.publish(tx, 'webhooks.endpoint_disabled', { orgId: endpoint.org_id, endpointId: endpoint.id, url: endpoint.url, reason }, { orgId: endpoint.org_id, actorId: null });
  }

  async function handler(job: JobContext<DeliverJobData>): Promise<Static<typeof DeliverJobResult>> {
    const found = await deliveries.withEndpoint(db, job.data.deliveryId);
    if (!found) return { skipped: 'deleted' };
    const { delivery, endpoint } = found;
    // At-least-once queue: a job may run again after it already settled the delivery.
    if (delivery.status !== 'pending') return { skipped: delivery.status };
    if (!endpoint.enabled) {
      await deliveries.fail(db, delivery.id, 'endpoint disabled before delivery', nowOf(clock));
      return { skipped: 'endpoint_disabled' };
    }

    const sentAt = nowOf(clock);
    const timestamp = Math.floor(sentAt.getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': delivery.event_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(signingSecrets(endpoint, sentAt), delivery.event_id, timestamp, delivery.body),
    };
    const outcome = await send(endpoint, delivery, headers, job.signal);

    const ok = outcome.error === null;
    const gone = outcome.responseStatus === 410;
    const last = job.attempt >= job.data.maxAttempts;
    const status: DeliveryStatus = ok ? 'delivered' : gone || last ? 'failed' : 'pending';
    const now = nowOf(clock);
    const recorded = await db.transaction().execute(async (tx) => {
      const updated = await deliveries.recordAttempt(tx, delivery.id, { status, lastStatus: outcome.responseStatus, lastError: outcome.error, now });
      if (!updated) return false; // the endpoint was deleted meanwhile
      await attempts.insert(tx, {
        id: uuidv7(),
        delivery_id: delivery.id,
        org_id: delivery.org_id,
        attempt: updated.attempts,
        request_headers: headers,
        response_status: outcome.responseStatus,
        response_body: outcome.responseBody,
        latency_ms: outcome.latencyMs,
        error: outcome.error,
        created_at: sentAt,
      });
      if (ok) await endpoints.resetFailures(tx, endpoint.id);
      else if (gone) await disable(tx, endpoint, 'gone', now);
      else if (last && job.data.scheduled && (await endpoints.countFailure(tx, endpoint.id)) >= deps.disableAfter) await disable(tx, endpoint, 'failing', now);
      return true;
    });
    if (recorded && status === 'pending') throw new Error(`webhook delivery ${delivery.id} attempt ${job.attempt} failed: ${outcome.error}`);
    return { status: recorded ? status : 'deleted', responseStatus: outcome.responseStatus };
  }

  return {
    name: DELIVER_JOB,
    result: DeliverJobResult,
    handler,
    retryLimit: RETRY_LIMIT,
    retryDelaySeconds: RETRY_DELAY_SECONDS,
    retryBackoff: true,
    // One attempt is at most the 10 s request plus two short transactions; an attempt lost with
    // its process is retried once this has passed (and the queue's 15 s supervision noticed).
    timeoutSeconds: 30,
    // A backlog drains at once, not one delivery per poll: batches of 5 run side by side on
    // 6 workers, at most 2 deliveries of one endpoint at a time per process, so a slow or dead
    // endpoint (10 s per attempt) holds 2 workers and the others keep delivering (decision 0029).
    batchSize: 5,
    concurrency: 6,
    groupConcurrency: 2,
  };
}
