// SQL of the second factor: TOTP state on the account, one-time email codes, recovery
// codes and trusted devices. Every function takes the executor first.
import { type Kysely, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { AuthTables } from './tables.ts';

// 0002 adds totp_last_step, a bigint: it arrives as a number (core/db/database.ts).
interface MfaTables extends Omit<AuthTables, 'auth.accounts'> {
  'auth.accounts': AuthTables['auth.accounts'] & {
    totp_last_step: number | null;
  };
}

const q = (db: Executor) => db as unknown as Kysely<MfaTables>;

export interface TotpState {
  id: string;
  email: string;
  status: 'active' | 'disabled' | 'deleted';
  totpSecret: string | null;
  totpEnabledAt: Date | null;
  totpLastStep: number | null;
}

export const totpState = {
  /** Row-locks the account: concurrent verifications of one account are serialized (replay check). */
  lock: async (db: Executor, accountId: string): Promise<TotpState | undefined> => {
    const row = await q(db)
      .selectFrom('auth.accounts')
      .select(['id', 'email', 'status', 'totp_secret', 'totp_enabled_at', 'totp_last_step'])
      .where('id', '=', accountId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      email: row.email,
      status: row.status,
      totpSecret: row.totp_secret,
      totpEnabledAt: row.totp_enabled_at,
      totpLastStep: row.totp_last_step,
    };
  },

  update: (db: Executor, accountId: string, patch: { totp_secret?: string | null; totp_enabled_at?: Date | null; totp_last_step?: number | null }) =>
    q(db)
      .updateTable('auth.accounts')
      .set({ ...patch, updated_at: sql<Date>`now()` })
      .where('id', '=', accountId)
      .execute(),
};

export const otpCodes = {
  insert: (db: Executor, row: { id: string; account_id: string; code_hash: string; expires_at: Date }) =>
    q(db).insertInto('auth.otp_codes').values(row).execute(),

  /** A new code voids the older unused ones: only the latest mail works. */
  voidUnused: (db: Executor, accountId: string) =>
    q(db).updateTable('auth.otp_codes').set({ used_at: sql<Date>`now()` }).where('account_id', '=', accountId).where('used_at', 'is', null).execute(),

  /** The account's latest unused code, locked (uses otp_codes_account_idx). */
  lockLatestUnused: (db: Executor, accountId: string) =>
    q(db)
      .selectFrom('auth.otp_codes')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('used_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .forUpdate()
      .executeTakeFirst(),

  addAttempt: (db: Executor, id: string) =>
    q(db).updateTable('auth.otp_codes').set({ attempts: sql<number>`attempts + 1` }).where('id', '=', id).execute(),

  markUsed: (db: Executor, id: string) => q(db).updateTable('auth.otp_codes').set({ used_at: sql<Date>`now()` }).where('id', '=', id).execute(),
};

export const recoveryCodes = {
  /** Replaces every recovery code of the account with the given hashes. */
  replace: async (db: Executor, accountId: string, rows: { id: string; code_hash: string }[]) => {
    await q(db).deleteFrom('auth.recovery_codes').where('account_id', '=', accountId).execute();
    if (rows.length) await q(db).insertInto('auth.recovery_codes').values(rows.map((r) => ({ ...r, account_id: accountId }))).execute();
  },

  /** Spends an unused code; returns false when the account has no such unused code. */
  use: async (db: Executor, accountId: string, codeHash: string) => {
    const row = await q(db)
      .updateTable('auth.recovery_codes')
      .set({ used_at: sql<Date>`now()` })
      .where('account_id', '=', accountId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  },

  deleteAll: (db: Executor, accountId: string) => q(db).deleteFrom('auth.recovery_codes').where('account_id', '=', accountId).execute(),
};

export const trustedDevices = {
  insert: (db: Executor, row: { id: string; account_id: string; token_hash: string; label: string | null; ip: string | null; expires_at: Date }) =>
    q(db).insertInto('auth.trusted_devices').values(row).execute(),

  byHash: (db: Executor, tokenHash: string) => q(db).selectFrom('auth.trusted_devices').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),

  touch: (db: Executor, id: string) => q(db).updateTable('auth.trusted_devices').set({ last_used_at: sql<Date>`now()` }).where('id', '=', id).execute(),

  listActive: (db: Executor, accountId: string, now: Date) =>
    q(db)
      .selectFrom('auth.trusted_devices')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_used_at', 'desc')
      .execute(),

  /** Revokes the account's live devices (one, or all); returns their ids. */
  revoke: async (db: Executor, accountId: string, only?: string) => {
    let query = q(db)
      .updateTable('auth.trusted_devices')
      .set({ revoked_at: sql<Date>`now()` })
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null);
    if (only) query = query.where('id', '=', only);
    const rows = await query.returning('id').execute();
    return rows.map((r) => r.id);
  },
};
