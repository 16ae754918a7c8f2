// API keys: `trl_<prefix>_<secret>`, shown once, stored as a SHA-256 hash. A key acts for
// its owner, limited to its scopes, and records when it was last used. The scopes a key can
// hold are those core and the modules declare (`core.scopes`, decision 0034).
import { type Kysely, sql } from 'kysely';
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems, invalid } from '../../core/errors.ts';
import type { Principal } from '../../core/http/principal.ts';
import { hashToken, randomToken } from '../../core/security/random.ts';
import type { AuthContext } from './context.ts';
import { AuthProblems } from './problems.ts';
import type { ApiKeyView as ApiKeySchema } from './schemas.ts';
import type { ApiKeyRow, AuthTables } from './tables.ts';

const q = (db: Executor) => db as unknown as Kysely<AuthTables>;
export const MAX_KEYS_PER_USER = 50;

export type ApiKeyView = Static<typeof ApiKeySchema>;

const view = (k: ApiKeyRow): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdAt: k.created_at.toISOString(),
  expiresAt: k.expires_at?.toISOString() ?? null,
  lastUsedAt: k.last_used_at?.toISOString() ?? null,
});

export function createApiKeyService(ctx: AuthContext) {
  const { core, invalidation } = ctx;
  const { db, clock, events } = core;

  async function create(principal: Principal, input: { name: string; scopes: string[]; expiresAt?: string }) {
    const unknown = input.scopes.flatMap((scope, i) => (core.scopes.has(scope) ? [] : [{ field: `body.scopes.${i}`, message: `is no scope a key can hold: ${scope}` }]));
    if (unknown.length) throw AuthProblems.unknownScope.error('The request names scopes no route checks', { errors: unknown });
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= clock.now()) {
      throw invalid('body.expiresAt', 'must be in the future');
    }
    const prefix = randomToken(6).replace(/[-_]/g, 'x').slice(0, 8);
    const key = `trl_${prefix}_${randomToken(32)}`;
    const scopes = [...new Set(input.scopes)].sort();
    const row = await db.transaction().execute(async (tx) => {
      const count = await q(tx)
        .selectFrom('auth.api_keys')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('account_id', '=', principal.userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (count.n >= MAX_KEYS_PER_USER) throw AuthProblems.tooManyApiKeys.error(`At most ${MAX_KEYS_PER_USER} active API keys per user`);
      const inserted = await q(tx)
        .insertInto('auth.api_keys')
        .values({ id: uuidv7(), account_id: principal.userId, name: input.name.trim(), prefix, key_hash: hashToken(key), scopes: JSON.stringify(scopes) as any, expires_at: expiresAt })
        .returningAll()
        .executeTakeFirstOrThrow();
      await events.publish(tx, 'auth.api_key_created', { userId: principal.userId, apiKeyId: inserted.id, scopes }, { actorId: principal.userId });
      return inserted;
    });
    return { ...view(row), key };
  }

  async function list(principal: Principal) {
    const rows = await q(db)
      .selectFrom('auth.api_keys')
      .selectAll()
      .where('account_id', '=', principal.userId)
      .where('revoked_at', 'is', null)
      .orderBy('id', 'desc')
      .execute();
    return rows.map(view);
  }

  async function revoke(principal: Principal, id: string) {
    const done = await db.transaction().execute(async (tx) => {
      const row = await q(tx)
        .updateTable('auth.api_keys')
        .set({ revoked_at: sql<Date>`now()` })
        .where('id', '=', id)
        .where('account_id', '=', principal.userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (row) await events.publish(tx, 'auth.api_key_revoked', { userId: principal.userId, apiKeyId: id }, { actorId: principal.userId });
      return !!row;
    });
    if (!done) throw CoreProblems.notFound.error('API key not found');
    await invalidation.account(principal.userId);
  }

  /**
   * The principal behind a key, or null when unknown, revoked, expired or its owner inactive.
   * `exec`: a caller's transaction to read in; "last used" is written on the pool either way.
   */
  async function resolve(key: string, exec: Executor = db): Promise<{ principal: Principal; expiresAt: number } | null> {
    if (!/^trl_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/.test(key)) return null;
    const row = await q(exec)
      .selectFrom('auth.api_keys as k')
      .innerJoin('auth.accounts as a', 'a.id', 'k.account_id')
      .select(['k.id', 'k.scopes', 'k.expires_at', 'k.revoked_at', 'a.id as account_id', 'a.email', 'a.role', 'a.status', 'a.email_verified_at'])
      .where('k.key_hash', '=', hashToken(key))
      .executeTakeFirst();
    const now = clock.now();
    if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now) || row.status !== 'active') return null;
    // Recorded at cache-miss granularity (about once per cache TTL), not on every request.
    q(db).updateTable('auth.api_keys').set({ last_used_at: sql<Date>`now()` }).where('id', '=', row.id).execute().catch(() => {});
    return {
      principal: {
        userId: row.account_id,
        email: row.email,
        role: row.role,
        emailVerified: row.email_verified_at !== null,
        sessionId: null,
        apiKeyId: row.id,
        scopes: row.scopes,
      },
      expiresAt: row.expires_at?.getTime() ?? Number.MAX_SAFE_INTEGER,
    };
  }

  return { create, list, revoke, resolve, scopes: () => core.scopes.list() };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
