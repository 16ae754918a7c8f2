// Webhook endpoints of an org: create, list, read, update, delete, rotate the secret. Only
// org admins manage them. URLs are checked against the SSRF guard here and again at every
// delivery (DNS may change in between).
import type { Static } from 'typebox';
import type { EventCatalog } from '../../core/events/declarations.ts';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { JobQueue } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { AllowList } from '../../core/net/allow-list.ts';
import { assertPublicUrl, type Resolver, UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';
import type { Secrets } from '../../core/security/secrets.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { WebhookProblems } from './problems.ts';
import { matchesPattern, normalizePatterns } from './patterns.ts';
import { type EndpointRow, endpoints } from './repository.ts';
import type * as S from './schemas.ts';
import { generateSecret } from './signing.ts';
import { type EndpointView, toEndpointView } from './views.ts';

/** What the webhooks services and jobs share: core services, the organizations façade and the operator's settings. */
export interface WebhooksDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  secrets: Secrets;
  jobs: JobQueue;
  log: Logger;
  orgs: Pick<OrganizationsApi, 'assertRole'>;
  /** WEBHOOK_ALLOWED_HOSTS. */
  allow: AllowList;
  /** DNS for the URL checks (the system resolver unless a test gives one). */
  resolve?: Resolver;
  /** WEBHOOK_DISABLE_AFTER: deliveries failed for good in a row before the endpoint is disabled. */
  disableAfter: number;
}

/** Millisecond precision, as keyset cursors and JSON carry times. */
export const nowOf = (clock: Clock) => new Date(clock.now().getTime());

export const MAX_ENDPOINTS_PER_ORG = 50;
/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface CreateEndpointInput {
  url: string;
  events: string[];
  description?: string | null;
  enabled: boolean;
}

export interface UpdateEndpointInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

export type EndpointWithSecret = Static<typeof S.EndpointWithSecret>;

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function createEndpointsService(deps: WebhooksDeps, catalog: EventCatalog) {
  const { db, events, clock, secrets, orgs } = deps;
  const view = (row: EndpointRow) => toEndpointView(row, clock.now());
  const publicTypes = catalog
    .all()
    .filter((e) => e.public)
    .map((e) => e.type);

  /** The patterns, normalized, or 400 WEBHOOKS.UNKNOWN_EVENTS naming those that match no public event. */
  function checkPatterns(events: readonly string[]): string[] {
    const patterns = normalizePatterns(events);
    const unknown = patterns.filter((p) => !publicTypes.some((type) => matchesPattern(p, type)));
    if (unknown.length) {
      throw WebhookProblems.unknownEvents.error('Some event patterns match no public event', {
        errors: unknown.map((p) => ({ field: 'body.events', message: `"${p}" matches no public event` })),
      });
    }
    return patterns;
  }

  /** The URL as it will be stored (normalized by the URL parser), or 400 WEBHOOKS.URL_NOT_ALLOWED. */
  async function checkUrl(orgId: string, raw: string): Promise<string> {
    try {
      return (await assertPublicUrl(raw, { allow: deps.allow, resolve: deps.resolve })).url.href;
    } catch (err) {
      if (!(err instanceof UrlNotAllowedError)) throw err;
      // The operator may need the detail (what the name resolved to); the caller gets the reason only.
      deps.log.info({ orgId, reason: err.reason, check: err.check, detail: err.detail }, 'webhook URL refused');
      // 400 naming the field, with the guard's general reason and its fixed message: never the
      // addresses the host resolved to or the resolver's error (logged above).
      throw WebhookProblems.urlNotAllowed.error('The webhook URL is not allowed', { errors: [{ field: 'body.url', message: err.message }], details: { reason: err.reason } });
    }
  }

  async function create(actor: Actor, orgId: string, input: CreateEndpointInput): Promise<EndpointWithSecret> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const url = await checkUrl(orgId, input.url);
    const patterns = checkPatterns(input.events);
    const secret = generateSecret();
    const now = nowOf(clock);
    const row = await db.transaction().execute(async (tx) => {
      if ((await endpoints.countForOrg(tx, orgId)) >= MAX_ENDPOINTS_PER_ORG) throw WebhookProblems.tooManyEndpoints.error(`An organization may have at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`);
      const row = await endpoints.insert(tx, {
        id: uuidv7(),
        org_id: orgId,
        url,
        description: input.description?.trim() || null,
        events: patterns,
        enabled: input.enabled,
        secret_sealed: secrets.seal(secret),
        previous_secret_sealed: null,
        previous_secret_expires_at: null,
        secret_rotated_at: null,
        consecutive_failures: 0,
        disabled_reason: null,
        disabled_at: input.enabled ? null : now,
        created_by: actor.principal.userId,
        created_at: now,
        updated_at: now,
      });
      await events.publish(tx, 'webhooks.endpoint_created', { orgId, endpointId: row.id, url, events: patterns }, { actor, orgId });
      return row;
    });
    return { ...view(row), secret };
  }

  async function list(actor: Actor, orgId: string, input: { cursor?: string; limit: number }): Promise<Page<EndpointView>> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const after = decodeCursor(input.cursor, isUuidKey);
    const rows = await endpoints.list(db, orgId, { afterId: after ? String(after[0]) : undefined, limit: input.limit + 1 });
    return toPage(rows.map(view), input.limit, (e) => [e.id]);
  }

  async function get(actor: Actor, orgId: string, id: string): Promise<EndpointView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const row = await endpoints.byId(db, orgId, id);
    if (!row) throw WebhookProblems.notFound.error('Webhook not found');
    return view(row);
  }

  async function update(actor: Actor, orgId: string, id: string, input: UpdateEndpointInput): Promise<EndpointView> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const url = input.url === undefined ? undefined : await checkUrl(orgId, input.url);
    const now = nowOf(clock);
    const row = await db.transaction().execute(async (tx) => {
      const current = await endpoints.forUpdate(tx, orgId, id);
      if (!current) throw WebhookProblems.notFound.error('Webhook not found');
      const patch: Partial<EndpointRow> = {};
      if (url !== undefined && url !== current.url) patch.url = url;
      if (input.events) {
        const patterns = checkPatterns(input.events);
        if (!sameList(patterns, current.events)) patch.events = patterns;
      }
      if (input.description !== undefined) {
        const description = input.description?.trim() || null;
        if (description !== current.description) patch.description = description;
      }
      if (input.enabled === true && !current.enabled) {
        // Re-enabling starts the failure count afresh.
        Object.assign(patch, { enabled: true, disabled_reason: null, disabled_at: null, consecutive_failures: 0 });
      } else if (input.enabled === false && current.enabled) {
        // Disabled by hand: no automatic reason.
        Object.assign(patch, { enabled: false, disabled_reason: null, disabled_at: now });
      }
      const fields = Object.keys(patch).filter((k) => !['disabled_reason', 'disabled_at', 'consecutive_failures'].includes(k));
      if (!fields.length) return current;
      const updated = await endpoints.update(tx, orgId, id, { ...patch, updated_at: now });
      await events.publish(tx, 'webhooks.endpoint_updated', { orgId, endpointId: id, fields }, { actor, orgId });
      return updated!;
    });
    return view(row);
  }

  async function remove(actor: Actor, orgId: string, id: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    await db.transaction().execute(async (tx) => {
      // Deliveries and attempts go with it (ON DELETE CASCADE); queued jobs then find nothing to send.
      if (!(await endpoints.remove(tx, orgId, id))) throw WebhookProblems.notFound.error('Webhook not found');
      await events.publish(tx, 'webhooks.endpoint_deleted', { orgId, endpointId: id }, { actor, orgId });
    });
  }

  /**
   * A new secret signs from now on; the one it replaces signs too (a second signature in
   * the same header) for 24 h, so receivers can switch without losing deliveries. A second
   * rotation within that window drops the oldest secret.
   */
  async function rotateSecret(actor: Actor, orgId: string, id: string): Promise<EndpointWithSecret> {
    await orgs.assertRole(actor.principal, orgId, 'admin');
    const secret = generateSecret();
    const now = nowOf(clock);
    const expires = new Date(now.getTime() + ROTATION_OVERLAP_MS);
    const row = await db.transaction().execute(async (tx) => {
      const current = await endpoints.forUpdate(tx, orgId, id);
      if (!current) throw WebhookProblems.notFound.error('Webhook not found');
      const updated = await endpoints.update(tx, orgId, id, {
        secret_sealed: secrets.seal(secret),
        previous_secret_sealed: current.secret_sealed,
        previous_secret_expires_at: expires,
        secret_rotated_at: now,
        updated_at: now,
      });
      await events.publish(tx, 'webhooks.secret_rotated', { orgId, endpointId: id, previousSecretExpiresAt: expires.toISOString() }, { actor, orgId });
      return updated!;
    });
    return { ...view(row), secret };
  }

  return { create, list, get, update, remove, rotateSecret };
}

export type EndpointsService = ReturnType<typeof createEndpointsService>;
