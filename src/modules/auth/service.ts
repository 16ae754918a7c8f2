// Account use cases: registration, sign-in with lockout, email verification, password
// flows, session management and the account administration other modules call.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { CoreProblems } from '../../core/errors.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Principal, RequestInfo } from '../../core/http/principal.ts';
import { hashToken } from '../../core/security/random.ts';
import { clientKey } from '../../core/net/client-key.ts';
import type { AuthContext } from './context.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { AuthProblems } from './problems.ts';
import { type Account, accounts, actionTokens, sessions } from './repository.ts';
import type { LoginResponse, MfaRequired } from './schemas.ts';
import type { SessionService } from './sessions.ts';
import { clearFailures } from './throttle-repository.ts';
import { type AccountView, toAccountView } from './views.ts';

export type MfaChallenge = Static<typeof MfaRequired>;
export type LoginResult = Static<typeof LoginResponse>;

/** What the account service needs of the second factor (implemented in mfa.ts). */
export interface SecondFactor {
  isTrusted(accountId: string, deviceToken: string): Promise<boolean>;
  createChallenge(db: Executor, accountId: string): Promise<MfaChallenge>;
  revokeDevices(db: Executor, accountId: string): Promise<void>;
}

const invalidCredentials = () => AuthProblems.invalidCredentials.error('The email or password is incorrect');
const invalidToken = () => AuthProblems.invalidToken.error('The link is invalid or has expired');
const emailTaken = () => CoreProblems.conflict.error('An account with this email already exists');

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

function weakPassword(message: string, field = 'password') {
  return AuthProblems.weakPassword.error(message, { errors: [{ field: `body.${field}`, message }] });
}

export function createAccountService(ctx: AuthContext, deps: { sessions: SessionService; mfa: SecondFactor; throttle: LoginThrottle }) {
  const { core, invalidation } = ctx;
  const { db, passwords, events, clock, settings } = core;

  async function register(input: { email: string; password: string; displayName: string }): Promise<AccountView> {
    const email = normalizeEmail(input.email);
    const problem = checkPasswordPolicy(input.password, { email, displayName: input.displayName });
    if (problem) throw weakPassword(problem);
    const passwordHash = await passwords.hash(input.password);
    return db.transaction().execute(async (tx) => {
      if (await accounts.byEmail(tx, email)) throw emailTaken();
      const account = await accounts.insert(tx, { id: uuidv7(), email, password_hash: passwordHash }).catch((err) => {
        // Two registrations racing for one email: the unique index decides.
        if (String(err?.code) === '23505') throw emailTaken();
        throw err;
      });
      // No one is signed in yet: the new account is the actor; the request's id, address and
      // user agent come from the request context.
      await events.publish(tx, 'auth.user_registered', { userId: account.id, email, displayName: input.displayName.trim() }, { actorId: account.id });
      return toAccountView(account);
    });
  }

  async function recordFailure(email: string, client: string, account: Account | undefined, info: RequestInfo) {
    await db.transaction().execute(async (tx) => {
      const outcome = await deps.throttle.recordFailure(tx, email, client);
      const userId = account?.id ?? null;
      await events.publish(tx, 'auth.login_failed', { userId, reason: 'bad_credentials', ip: info.ip }, { actorId: account?.id });
      if (outcome.lockedUntil) await events.publish(tx, 'auth.account_locked', { userId, lockedUntil: outcome.lockedUntil.toISOString(), ip: info.ip });
      if (outcome.reachedCeiling) await events.publish(tx, 'auth.account_slowed', { userId, failures: settings.loginAccountSlowdown });
    });
  }

  async function login(input: { email: string; password: string; deviceToken?: string }, info: RequestInfo): Promise<LoginResult> {
    const email = normalizeEmail(input.email);
    const client = clientKey(info.ip);
    // Locked or slowed answers come before the password is looked at, for every email alike.
    await deps.throttle.admit(email, client);
    const account = await accounts.byEmail(db, email);
    let ok = false;
    if (account?.password_hash) ok = await passwords.verify(account.password_hash, input.password);
    else await passwords.dummyVerify(input.password); // same cost as a real check: timing reveals nothing
    if (!ok || !account) {
      await recordFailure(email, client, account, info);
      throw invalidCredentials();
    }
    if (account.status !== 'active') {
      // Only someone who knows the password learns that the account is disabled.
      throw AuthProblems.accountDisabled.error('This account is disabled');
    }
    await deps.throttle.succeeded(email, client);
    if (account.totp_enabled_at && !(input.deviceToken && (await deps.mfa.isTrusted(account.id, input.deviceToken)))) {
      return deps.mfa.createChallenge(db, account.id);
    }
    return db.transaction().execute((tx) => deps.sessions.issue(tx, account, 'password', info));
  }

  async function verifyEmail(token: string) {
    const accountId = await db.transaction().execute(async (tx) => {
      const row = await actionTokens.lockByHash(tx, 'verify_email', hashToken(token));
      if (!row || row.used_at || row.expires_at <= clock.now()) throw invalidToken();
      await actionTokens.markUsed(tx, row.id);
      const account = await accounts.byId(tx, row.account_id);
      if (!account || account.status === 'deleted') throw invalidToken();
      if (!account.email_verified_at) {
        await accounts.update(tx, account.id, { email_verified_at: clock.now() });
        await events.publish(tx, 'auth.email_verified', { userId: account.id }, { actorId: account.id });
      }
      return account.id;
    });
    // Cached principals carry emailVerified.
    await invalidation.account(accountId);
  }

  /** Asks for a new verification mail. Silent when the email is unknown or already verified. */
  async function resendVerification(email: string) {
    const account = await accounts.byEmail(db, normalizeEmail(email));
    if (!account || account.email_verified_at || account.status !== 'active') return;
    await events.publish(db, 'auth.email_verification_requested', { userId: account.id }, { actorId: account.id });
  }

  /**
   * Writes the request, whoever the email belongs to, and nothing else: the answer cannot depend
   * on the account, in content or in time. The subscriber looks the account up after the answer
   * and mails the link only to an active one (mail-subscribers.ts).
   */
  async function forgotPassword(email: string) {
    await events.publish(db, 'auth.password_reset_requested', { email: normalizeEmail(email) });
  }

  async function resetPassword(token: string, password: string) {
    const hash = hashToken(token);
    // Read the token once before the transaction only to check the new password against its
    // owner's email and hash it (~40 ms) without holding locks; the transaction re-checks it.
    const peek = await actionTokens.lockByHash(db, 'password_reset', hash);
    const owner = peek ? await accounts.byId(db, peek.account_id) : undefined;
    if (owner) {
      const problem = checkPasswordPolicy(password, { email: owner.email });
      if (problem) throw weakPassword(problem);
    }
    const passwordHash = await passwords.hash(password);
    const accountId = await db.transaction().execute(async (tx) => {
      const row = await actionTokens.lockByHash(tx, 'password_reset', hash);
      if (!row || row.used_at || row.expires_at <= clock.now()) throw invalidToken();
      const account = await accounts.lockById(tx, row.account_id);
      if (account?.status !== 'active') throw invalidToken();
      await actionTokens.markUsed(tx, row.id);
      // Proving control of the mailbox also verifies it.
      await accounts.update(tx, account.id, { password_hash: passwordHash, email_verified_at: account.email_verified_at ?? clock.now() });
      await deps.sessions.revoke(tx, account.id, 'password_reset');
      // A reset suggests the password leaked: devices trusted under it must pass the second factor again.
      await deps.mfa.revokeDevices(tx, account.id);
      await clearFailures(tx, account.email);
      await events.publish(tx, 'auth.password_changed', { userId: account.id, via: 'reset' }, { actorId: account.id });
      return account.id;
    });
    await invalidation.account(accountId);
  }

  async function changePassword(principal: Principal, currentPassword: string, newPassword: string) {
    const account = await accounts.byId(db, principal.userId);
    if (!account?.password_hash || !(await passwords.verify(account.password_hash, currentPassword))) {
      throw AuthProblems.wrongPassword.error('The current password is incorrect', { errors: [{ field: 'body.currentPassword', message: 'is incorrect' }] });
    }
    const problem = checkPasswordPolicy(newPassword, { email: account.email });
    if (problem) throw weakPassword(problem, 'newPassword');
    const passwordHash = await passwords.hash(newPassword);
    const revoked = await db.transaction().execute(async (tx) => {
      await accounts.update(tx, account.id, { password_hash: passwordHash });
      await events.publish(tx, 'auth.password_changed', { userId: account.id, via: 'change' }, { actorId: account.id });
      // Other devices must sign in again with the new password; this one stays signed in.
      return deps.sessions.revoke(tx, account.id, 'password_changed', principal.sessionId ? { except: principal.sessionId } : {});
    });
    await invalidation.sessions(revoked);
  }

  async function logout(principal: Principal) {
    if (!principal.sessionId) return;
    const sid = principal.sessionId;
    await db.transaction().execute((tx) => deps.sessions.revoke(tx, principal.userId, 'logout', { only: sid }));
    await invalidation.sessions([sid]);
  }

  async function listSessions(principal: Principal) {
    const rows = await sessions.listActive(db, principal.userId, clock.now());
    return rows.map((s) => ({
      id: s.id,
      device: describeDevice(s.user_agent),
      userAgent: s.user_agent,
      ip: s.ip,
      method: s.method,
      createdAt: s.created_at.toISOString(),
      lastUsedAt: s.last_used_at.toISOString(),
      expiresAt: s.expires_at.toISOString(),
      current: s.id === principal.sessionId,
    }));
  }

  async function revokeSession(principal: Principal, sessionId: string) {
    const ids = await db.transaction().execute((tx) => deps.sessions.revoke(tx, principal.userId, 'revoked_by_user', { only: sessionId }));
    if (!ids.length) throw CoreProblems.notFound.error('Session not found');
    await invalidation.sessions(ids);
  }

  async function revokeOtherSessions(principal: Principal) {
    const except = principal.sessionId ?? undefined;
    const ids = await db.transaction().execute((tx) => deps.sessions.revoke(tx, principal.userId, 'revoked_by_user', { except }));
    await invalidation.sessions(ids);
  }

  return {
    register,
    login,
    verifyEmail,
    resendVerification,
    forgotPassword,
    resetPassword,
    changePassword,
    logout,
    listSessions,
    revokeSession,
    revokeOtherSessions,
    refresh: (token: string, info: RequestInfo) => deps.sessions.refresh(token, info, (tx: Executor, id: string) => accounts.byId(tx, id)),
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

/** A short human label for a session list ("Firefox on Linux"). */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : /curl\//.test(userAgent)
            ? 'curl'
            : 'Browser';
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /Android/.test(userAgent)
      ? 'Android'
      : /iPhone|iPad/.test(userAgent)
        ? 'iOS'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}
