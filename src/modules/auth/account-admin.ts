// What other modules may do to accounts, through the auth module's public API:
// read an account, change role or status, unlock, delete, and create administrators.
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import type { AuthContext } from './context.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { AuthProblems } from './problems.ts';
import { accounts } from './repository.ts';
import { normalizeEmail } from './service.ts';
import type { SessionService } from './sessions.ts';
import { knownDevices } from './sign-in-devices.ts';
import { clearFailures } from './throttle-repository.ts';
import { type AccountView, toAccountView } from './views.ts';

const userNotFound = () => CoreProblems.notFound.error('User not found');

export function createAccountAdmin(ctx: AuthContext, deps: { sessions: SessionService }) {
  const { core, invalidation } = ctx;
  const { db, events, passwords } = core;

  /** `exec` (here and in getAccountByEmail): the caller's transaction to read in (default: the pool). */
  async function getAccount(userId: string, exec: Executor = db): Promise<AccountView | null> {
    const a = await accounts.byId(exec, userId);
    return a ? toAccountView(a) : null;
  }

  /** The account with this address (any case), for modules that know a person by email only. */
  async function getAccountByEmail(email: string, exec: Executor = db): Promise<AccountView | null> {
    const a = await accounts.byEmail(exec, normalizeEmail(email));
    return a ? toAccountView(a) : null;
  }

  async function setRole(actorId: string, userId: string, role: 'user' | 'admin'): Promise<AccountView> {
    const updated = await db.transaction().execute(async (tx) => {
      const a = await accounts.lockById(tx, userId);
      if (!a || a.status === 'deleted') throw userNotFound();
      if (a.role === role) return a;
      const row = await accounts.update(tx, userId, { role });
      await events.publish(tx, 'auth.role_changed', { userId, role }, { actorId });
      return row!;
    });
    await invalidation.account(userId);
    return toAccountView(updated);
  }

  /** Disabling revokes every session and API key use at once (the next request fails). */
  async function setStatus(actorId: string, userId: string, status: 'active' | 'disabled'): Promise<AccountView> {
    if (actorId === userId && status === 'disabled') throw AuthProblems.cannotDisableSelf.error('You cannot disable your own account');
    const updated = await db.transaction().execute(async (tx) => {
      const a = await accounts.lockById(tx, userId);
      if (!a || a.status === 'deleted') throw userNotFound();
      if (a.status === status) return a;
      const row = await accounts.update(tx, userId, { status });
      if (status === 'disabled') await deps.sessions.revoke(tx, userId, 'account_disabled');
      await events.publish(tx, 'auth.status_changed', { userId, status }, { actorId });
      return row!;
    });
    await invalidation.account(userId);
    return toAccountView(updated);
  }

  /** Lifts every lock of the account (whichever clients they hold out) and its ceiling. */
  async function unlock(actorId: string, userId: string) {
    const a = await accounts.byId(db, userId);
    if (!a || a.status === 'deleted') throw userNotFound();
    await db.transaction().execute(async (tx) => {
      await clearFailures(tx, a.email);
      await events.publish(tx, 'auth.account_unlocked', { userId }, { actorId });
    });
  }

  /**
   * Deletes an account after checking its password: sessions end, credentials go, and
   * the email is replaced so the address is free and no personal data remains here.
   */
  async function deleteAccount(userId: string, password: string) {
    const a = await accounts.byId(db, userId);
    if (!a?.password_hash || a.status === 'deleted' || !(await passwords.verify(a.password_hash, password))) {
      throw AuthProblems.wrongPassword.error('The password is incorrect', { errors: [{ field: 'body.password', message: 'is incorrect' }] });
    }
    await db.transaction().execute(async (tx) => {
      await accounts.update(tx, userId, { status: 'deleted', email: `deleted+${userId}@invalid`, password_hash: null, totp_secret: null, totp_enabled_at: null });
      await deps.sessions.revoke(tx, userId, 'account_deleted');
      await clearFailures(tx, a.email);
      await knownDevices.forget(tx, userId);
      await events.publish(tx, 'auth.status_changed', { userId, status: 'deleted' }, { actorId: userId });
    });
    await invalidation.account(userId);
  }

  /** Creates an admin, or promotes the existing account with that email (CLI and first-start bootstrap). */
  async function ensureAdmin(email: string, password: string, displayName = 'Administrator'): Promise<{ userId: string; created: boolean }> {
    const normalized = normalizeEmail(email);
    const problem = checkPasswordPolicy(password, { email: normalized });
    if (problem) throw AuthProblems.weakPassword.error(problem);
    const existing = await accounts.byEmail(db, normalized);
    if (existing) {
      if (existing.role !== 'admin') await setRole(existing.id, existing.id, 'admin');
      return { userId: existing.id, created: false };
    }
    const hash = await passwords.hash(password);
    const id = uuidv7();
    await db.transaction().execute(async (tx) => {
      // An operator-created admin needs no mailbox proof.
      await accounts.insert(tx, { id, email: normalized, password_hash: hash, role: 'admin', email_verified_at: core.clock.now() });
      await events.publish(tx, 'auth.user_registered', { userId: id, email: normalized, displayName }, { actorId: id });
      await events.publish(tx, 'auth.role_changed', { userId: id, role: 'admin' }, { actorId: id });
    });
    return { userId: id, created: true };
  }

  return { getAccount, getAccountByEmail, setRole, setStatus, unlock, deleteAccount, ensureAdmin };
}

export type AccountAdmin = ReturnType<typeof createAccountAdmin>;
