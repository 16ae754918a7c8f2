// SQL of the auth module's accounts, sessions, refresh and action tokens (the login throttle's is
// in throttle-repository.ts).
// Every function takes the executor first: the service decides the transaction.
import { type Kysely, sql, type Updateable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { AuthTables } from './tables.ts';

export type { Account, ApiKeyRow, Session } from './tables.ts';

const q = (db: Executor) => db as unknown as Kysely<AuthTables>;

export const accounts = {
  insert: (db: Executor, row: { id: string; email: string; password_hash: string | null; role?: 'user' | 'admin'; email_verified_at?: Date | null }) =>
    q(db).insertInto('auth.accounts').values(row).returningAll().executeTakeFirstOrThrow(),

  byId: (db: Executor, id: string) => q(db).selectFrom('auth.accounts').selectAll().where('id', '=', id).executeTakeFirst(),

  byEmail: (db: Executor, email: string) =>
    q(db).selectFrom('auth.accounts').selectAll().where('email', '=', email).where('status', '<>', 'deleted').executeTakeFirst(),

  /** Row-locks the account for the rest of the transaction (password change, MFA changes). */
  lockById: (db: Executor, id: string) => q(db).selectFrom('auth.accounts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),

  update: (db: Executor, id: string, patch: Omit<Updateable<AuthTables['auth.accounts']>, 'id' | 'created_at'>) =>
    q(db)
      .updateTable('auth.accounts')
      .set({ ...patch, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
};

export const sessions = {
  insert: (db: Executor, row: { id: string; account_id: string; method: string; ip: string | null; user_agent: string | null; expires_at: Date }) =>
    q(db).insertInto('auth.sessions').values(row).returningAll().executeTakeFirstOrThrow(),

  byId: (db: Executor, id: string) => q(db).selectFrom('auth.sessions').selectAll().where('id', '=', id).executeTakeFirst(),

  /** The principal lookup: one indexed query per cache miss. */
  withAccount: (db: Executor, sessionId: string) =>
    q(db)
      .selectFrom('auth.sessions as s')
      .innerJoin('auth.accounts as a', 'a.id', 's.account_id')
      .select([
        's.id as session_id',
        's.revoked_at',
        's.expires_at',
        'a.id as account_id',
        'a.email',
        'a.role',
        'a.status',
        'a.email_verified_at',
      ])
      .where('s.id', '=', sessionId)
      .executeTakeFirst(),

  listActive: (db: Executor, accountId: string, now: Date) =>
    q(db)
      .selectFrom('auth.sessions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_used_at', 'desc')
      .execute(),

  touch: (db: Executor, id: string, ip: string | null) =>
    q(db).updateTable('auth.sessions').set({ last_used_at: sql<Date>`now()`, ip }).where('id', '=', id).execute(),

  /** Revokes the account's live sessions matching the filter; returns their ids. */
  revoke: async (db: Executor, accountId: string, reason: string, filter: { only?: string; except?: string } = {}) => {
    let query = q(db)
      .updateTable('auth.sessions')
      .set({ revoked_at: sql<Date>`now()`, revoke_reason: reason })
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null);
    if (filter.only) query = query.where('id', '=', filter.only);
    if (filter.except) query = query.where('id', '<>', filter.except);
    const rows = await query.returning('id').execute();
    return rows.map((r) => r.id);
  },
};

export const refreshTokens = {
  insert: (db: Executor, row: { id: string; session_id: string; token_hash: string; expires_at: Date }) =>
    q(db).insertInto('auth.refresh_tokens').values(row).execute(),

  /** Locks the presented token's row so two concurrent refreshes are serialized. */
  lockByHash: (db: Executor, hash: string) =>
    q(db)
      .selectFrom('auth.refresh_tokens as t')
      .innerJoin('auth.sessions as s', 's.id', 't.session_id')
      .select([
        't.id',
        't.session_id',
        't.expires_at',
        't.rotated_at',
        't.successor_id',
        't.successor_token',
        's.account_id',
        's.revoked_at as session_revoked_at',
        's.expires_at as session_expires_at',
      ])
      .where('t.token_hash', '=', hash)
      .forUpdate('t')
      .executeTakeFirst(),

  /** `at` comes from the app clock: the reuse leeway is measured against it, never against the database's now(). */
  markRotated: (db: Executor, id: string, successorId: string, sealedSuccessor: string, at: Date) =>
    q(db)
      .updateTable('auth.refresh_tokens')
      .set({ rotated_at: at, successor_id: successorId, successor_token: sealedSuccessor })
      .where('id', '=', id)
      .execute(),

  /** Forgets sealed successors once the reuse leeway is over. */
  clearSuccessors: (db: Executor, olderThan: Date) =>
    q(db)
      .updateTable('auth.refresh_tokens')
      .set({ successor_token: null })
      .where('successor_token', 'is not', null)
      .where('rotated_at', '<', olderThan)
      .execute(),
};

export type ActionPurpose = 'verify_email' | 'password_reset' | 'mfa_challenge';

export const actionTokens = {
  insert: (db: Executor, row: { id: string; account_id: string; purpose: ActionPurpose; token_hash: string; expires_at: Date }) =>
    q(db).insertInto('auth.action_tokens').values(row).onConflict((oc) => oc.column('token_hash').doNothing()).execute(),

  lockByHash: (db: Executor, purpose: ActionPurpose, hash: string) =>
    q(db)
      .selectFrom('auth.action_tokens')
      .selectAll()
      .where('purpose', '=', purpose)
      .where('token_hash', '=', hash)
      .forUpdate()
      .executeTakeFirst(),

  markUsed: (db: Executor, id: string) => q(db).updateTable('auth.action_tokens').set({ used_at: sql<Date>`now()` }).where('id', '=', id).execute(),

  addAttempt: (db: Executor, id: string) =>
    q(db).updateTable('auth.action_tokens').set({ attempts: sql<number>`attempts + 1` }).where('id', '=', id).execute(),

  /** A new token of a purpose voids the older unused ones (only the latest link works). */
  voidUnused: (db: Executor, accountId: string, purpose: ActionPurpose) =>
    q(db)
      .updateTable('auth.action_tokens')
      .set({ used_at: sql<Date>`now()` })
      .where('account_id', '=', accountId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute(),
};
