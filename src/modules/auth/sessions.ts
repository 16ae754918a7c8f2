// Sessions and their token pairs: issuing at sign-in, rotating refresh tokens with reuse
// detection (RFC 9700 §4.14.2), and revocation that every instance sees on the next request.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import type { RequestInfo } from '../../core/http/principal.ts';
import { hashToken, randomToken } from '../../core/security/random.ts';
import type { AuthContext } from './context.ts';
import type { LoginMethod } from './events.ts';
import { AuthProblems } from './problems.ts';
import { type Account, refreshTokens, sessions } from './repository.ts';
import type { TokenPair as TokenPairSchema } from './schemas.ts';
import { toAccountView } from './views.ts';

export type TokenPair = Static<typeof TokenPairSchema>;

const invalidRefresh = () => AuthProblems.invalidRefreshToken.error('The refresh token is invalid or expired');

export function createSessionService(ctx: AuthContext) {
  const { core, invalidation } = ctx;
  const { settings, clock, accessTokens, events, secrets } = core;
  let lastSweep = 0;

  async function mintPair(db: Executor, account: Account, sessionId: string, expiresAt: Date) {
    const refreshToken = randomToken();
    const id = uuidv7();
    await refreshTokens.insert(db, { id, session_id: sessionId, token_hash: hashToken(refreshToken), expires_at: expiresAt });
    const accessToken = await accessTokens.issue({ sub: account.id, sid: sessionId });
    return { id, refreshToken, pair: toPair(account, accessToken, refreshToken) };
  }

  function toPair(account: Account, accessToken: string, refreshToken: string): TokenPair {
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: accessTokens.ttlSeconds, user: toAccountView(account) };
  }

  /** Opens a session for an authenticated account inside the caller's transaction. */
  async function issue(db: Executor, account: Account, method: LoginMethod, info: RequestInfo): Promise<TokenPair> {
    const sessionId = uuidv7();
    const expiresAt = new Date(clock.now().getTime() + settings.refreshTokenTtl * 1000);
    await sessions.insert(db, {
      id: sessionId,
      account_id: account.id,
      method,
      ip: info.ip,
      user_agent: info.userAgent?.slice(0, 512) ?? null,
      expires_at: expiresAt,
    });
    const { pair } = await mintPair(db, account, sessionId, expiresAt);
    await events.publish(db, 'auth.logged_in', { userId: account.id, sessionId, method, ip: info.ip }, { actorId: account.id });
    return pair;
  }

  /**
   * Rotates a refresh token. A token presented again after rotation means it leaked (or a
   * client raced itself): inside the leeway the same successor is returned, after it the
   * whole session is revoked.
   */
  async function refresh(refreshToken: string, info: RequestInfo, getAccount: (db: Executor, id: string) => Promise<Account | undefined>) {
    const now = clock.now();
    let revokedSession: { accountId: string; sessionId: string } | null = null;
    const result = await core.db.transaction().execute(async (tx) => {
      const row = await refreshTokens.lockByHash(tx, hashToken(refreshToken));
      if (!row || row.session_revoked_at || row.expires_at <= now || row.session_expires_at <= now) throw invalidRefresh();
      const account = await getAccount(tx, row.account_id);
      if (account?.status !== 'active') throw invalidRefresh();

      if (row.rotated_at) {
        const withinLeeway = now.getTime() - row.rotated_at.getTime() <= settings.refreshReuseLeeway * 1000;
        if (withinLeeway && row.successor_token) {
          const successor = secrets.open(row.successor_token);
          const accessToken = await accessTokens.issue({ sub: account.id, sid: row.session_id });
          return toPair(account, accessToken, successor);
        }
        await sessions.revoke(tx, account.id, 'refresh_token_reused', { only: row.session_id });
        await events.publish(tx, 'auth.refresh_token_reused', { userId: account.id, sessionId: row.session_id, ip: info.ip }, { actorId: account.id });
        await events.publish(tx, 'auth.session_revoked', { userId: account.id, sessionIds: [row.session_id], reason: 'refresh_token_reused' }, { actorId: account.id });
        revokedSession = { accountId: account.id, sessionId: row.session_id };
        return null;
      }

      const next = await mintPair(tx, account, row.session_id, row.session_expires_at);
      await refreshTokens.markRotated(tx, row.id, next.id, secrets.seal(next.refreshToken), now);
      await sessions.touch(tx, row.session_id, info.ip);
      return next.pair;
    });
    if (revokedSession) {
      const { sessionId } = revokedSession;
      await invalidation.sessions([sessionId]);
      throw AuthProblems.refreshTokenReused.error('The refresh token was already used; the session has been revoked');
    }
    // Old sealed successors are no longer needed once their leeway is over. One sweep per
    // leeway period is enough (a sealed value outliving it is never opened: the leeway check
    // comes first), so a busy instance does not add a write to every refresh.
    if (now.getTime() - lastSweep >= settings.refreshReuseLeeway * 1000) {
      lastSweep = now.getTime();
      refreshTokens.clearSuccessors(core.db, new Date(now.getTime() - settings.refreshReuseLeeway * 1000)).catch(() => {});
    }
    return result!;
  }

  /** Revokes sessions of an account and makes every instance forget them at once. */
  async function revoke(db: Executor, accountId: string, reason: string, filter: { only?: string; except?: string } = {}) {
    const ids = await sessions.revoke(db, accountId, reason, filter);
    if (ids.length) await events.publish(db, 'auth.session_revoked', { userId: accountId, sessionIds: ids, reason }, { actorId: accountId });
    return ids;
  }

  return { issue, refresh, revoke };
}

export type SessionService = ReturnType<typeof createSessionService>;
