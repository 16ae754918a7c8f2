// Turns credentials into a principal: an access token (JWT + live session) or an API key.
// With `exec` (a caller's transaction) the lookup runs on that connection; a cached principal
// is served there too, but one read in the transaction is never cached: the cache is shared
// by every request, and what a transaction reads may rest on writes that roll back.
import type { Executor } from '../../core/db/database.ts';
import type { Credentials, Principal, RequestInfo } from '../../core/http/principal.ts';
import { hashToken } from '../../core/security/random.ts';
import type { ApiKeyService } from './api-keys.ts';
import type { AuthContext } from './context.ts';
import type { PrincipalCache } from './principal-cache.ts';
import { sessions } from './repository.ts';

export function createPrincipalResolver(ctx: AuthContext, cache: PrincipalCache, apiKeys: ApiKeyService) {
  const { core } = ctx;

  /** A token must belong to the session's own account. */
  const ownedBy = (principal: Principal | null, sub: string) => (principal && principal.userId === sub ? principal : null);

  /** Synchronous when the session is cached (the common case); a query otherwise. */
  /** The pool's reads fill the cache; a caller's transaction's do not. */
  const caches = (exec: Executor | undefined) => exec === undefined || exec === core.db;

  function fromAccessToken(token: string, info: RequestInfo, exec?: Executor): Principal | null | Promise<Principal | null> {
    const claims = core.accessTokens.verifySync(token);
    if (!claims) return null;
    const cached = cache.get(`s:${claims.sid}`, core.clock.now().getTime());
    if (cached !== undefined) return ownedBy(cached, claims.sub);
    return loadSession(claims, info, exec);
  }

  async function loadSession(claims: { sub: string; sid: string }, info: RequestInfo, exec?: Executor): Promise<Principal | null> {
    const nowMs = core.clock.now().getTime();
    const generation = cache.generation();
    const row = await sessions.withAccount(exec ?? core.db, claims.sid);
    const live = row && !row.revoked_at && row.expires_at.getTime() > nowMs && row.status === 'active';
    const principal: Principal | null = live
      ? {
          userId: row.account_id,
          email: row.email,
          role: row.role,
          emailVerified: row.email_verified_at !== null,
          sessionId: row.session_id,
          apiKeyId: null,
          scopes: null,
        }
      : null;
    if (caches(exec)) cache.set(`s:${claims.sid}`, principal, row ? row.expires_at.getTime() : nowMs + 60_000, nowMs, generation);
    // "Last used" is refreshed at cache-miss granularity, never on every request.
    if (principal) sessions.touch(core.db, claims.sid, info.ip).catch(() => {});
    return ownedBy(principal, claims.sub);
  }

  async function fromApiKey(key: string, exec?: Executor): Promise<Principal | null> {
    const cacheKey = `k:${hashToken(key)}`;
    const nowMs = core.clock.now().getTime();
    const cached = cache.get(cacheKey, nowMs);
    if (cached !== undefined) return cached;
    const generation = cache.generation();
    const resolved = await apiKeys.resolve(key, exec);
    if (caches(exec)) cache.set(cacheKey, resolved?.principal ?? null, resolved?.expiresAt ?? nowMs + 60_000, nowMs, generation);
    return resolved?.principal ?? null;
  }

  return (credentials: Credentials, info: RequestInfo, exec?: Executor): Principal | null | Promise<Principal | null> => {
    if (credentials.bearer) return fromAccessToken(credentials.bearer, info, exec);
    if (credentials.apiKey) return fromApiKey(credentials.apiKey, exec);
    return null;
  };
}
