// Reading the audit log: an org's records for its admins, every record for global admins,
// as cursor pages or a streamed CSV. There is no way to change a record through the API.
import { Readable } from 'node:stream';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems, invalid } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, encodeCursor, type Page } from '../../core/http/pagination.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { csvHeader, csvRows } from './csv.ts';
import type { AuditFilters } from './events.ts';
import { type AuditFilter, type AuditKey, type AuditRow, auditEvents } from './repository.ts';
import type { AuditRecordView, FilterQuery } from './schemas.ts';

export interface AuditDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  organizations: OrganizationsApi;
}

/** Whose log is read: one org's (its admins) or everyone's (global admins). */
export type AuditScope = { orgId: string } | { all: true };

/** Rows per query while streaming a CSV: memory holds one batch, whatever the export's size. */
export const EXPORT_BATCH = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isAuditKey = (k: unknown[]) => k.length === 2 && typeof k[0] === 'string' && !Number.isNaN(Date.parse(k[0])) && typeof k[1] === 'string' && UUID.test(k[1]);

export function toRecordView(r: AuditRow): AuditRecordView {
  return {
    id: r.id,
    type: r.type,
    occurredAt: new Date(r.occurred_at).toISOString(),
    actorId: r.actor_id,
    apiKeyId: r.api_key_id,
    orgId: r.org_id,
    targetType: r.target_type,
    targetId: r.target_id,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  };
}

/** The query's filters as the repository takes them; `to` must come after `from`. */
export function toFilter(scope: AuditScope, q: FilterQuery): AuditFilter {
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && to <= from) throw invalid('query.to', 'must be after from');
  const prefix = q.type?.endsWith('*') ?? false;
  return {
    orgId: 'orgId' in scope ? scope.orgId : q.org,
    actorId: q.actor,
    type: prefix ? q.type!.slice(0, -1) : q.type,
    typePrefix: prefix,
    targetId: q.target,
    from,
    to,
  };
}

export function createAuditService(deps: AuditDeps) {
  const { db, events, clock, organizations } = deps;

  /** Org admins (and owners) read their org's log; a stranger gets 404, a member 403. */
  async function authorize(principal: Principal, scope: AuditScope): Promise<void> {
    if ('orgId' in scope) await organizations.assertRole(principal, scope.orgId, 'admin');
    // The route demands the admin role already; checked again so no other caller skips it.
    else if (principal.role !== 'admin') throw CoreProblems.forbidden.error('You are not allowed to do this');
  }

  async function list(actor: Actor, scope: AuditScope, query: FilterQuery & { cursor?: string; limit: number }): Promise<Page<AuditRecordView>> {
    await authorize(actor.principal, scope);
    const filter = toFilter(scope, query);
    const key = decodeCursor(query.cursor, isAuditKey);
    const after: AuditKey | null = key ? { occurredAt: new Date(key[0] as string), id: key[1] as string } : null;
    const rows = await auditEvents.list(db, filter, after, query.limit + 1);
    const data = rows.slice(0, query.limit).map(toRecordView);
    const last = data[data.length - 1];
    return { data, page: { nextCursor: rows.length > query.limit ? encodeCursor([last.occurredAt, last.id]) : null, limit: query.limit } };
  }

  /** Every matching record, newest first, as CSV chunks fetched one keyset batch at a time. */
  async function* csvChunks(filter: AuditFilter): AsyncGenerator<Buffer> {
    yield Buffer.from(csvHeader(), 'utf8');
    let after: AuditKey | null = null;
    for (;;) {
      const rows = await auditEvents.list(db, filter, after, EXPORT_BATCH);
      if (rows.length) yield Buffer.from(csvRows(rows.map(toRecordView)), 'utf8');
      if (rows.length < EXPORT_BATCH) return;
      const last = rows[rows.length - 1];
      after = { occurredAt: last.occurred_at, id: last.id };
    }
  }

  /**
   * The filtered log as a streamed CSV (no row cap: memory stays at one batch). Checks run and
   * `audit.exported` commits before the first byte, so a refusal is a proper problem answer
   * and every copy taken of the log is itself on record.
   */
  async function exportCsv(actor: Actor, scope: AuditScope, query: FilterQuery) {
    await authorize(actor.principal, scope);
    const filter = toFilter(scope, query);
    const orgId = filter.orgId ?? null;
    const filters: AuditFilters = Object.fromEntries(
      Object.entries({ actor: query.actor, type: query.type, target: query.target, from: query.from, to: query.to }).filter(([, v]) => v !== undefined),
    );
    await db.transaction().execute((tx) => events.publish(tx, 'audit.exported', { orgId, filters }, { actor, orgId }));
    const day = clock.now().toISOString().slice(0, 10);
    return { filename: `audit-${orgId ?? 'all'}-${day}.csv`, stream: Readable.from(csvChunks(filter), { objectMode: false }) };
  }

  return { list, exportCsv };
}

export type AuditService = ReturnType<typeof createAuditService>;
