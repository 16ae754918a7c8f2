// Turns credentials into a principal: an access token (JWT + live session) or an API key.
import type { Credentials, Principal, RequestInfo } from '../../core/http/principal.ts';
import { hashToken } from '../../core/security/random.ts';
import type { ApiKeyService } from './api-keys.ts';
import type { AuthContext } from './context.ts';
import type { PrincipalCache } from './principal-cache.ts';
import { sessions } from './repository.ts';

export function createPrincipalResolver(ctx: AuthContext, cache: PrincipalCache, apiKeys: ApiKeyService) {
  const { core } = ctx;

  async function fromAccessToken(token: string, info: RequestInfo): Promise<Principal | null> {
    const claims = await core.accessTokens.verify(token);
    if (!claims) return null;
    const key = `s:${claims.sid}`;
    const nowMs = core.clock.now().getTime();
    const cached = cache.get(key, nowMs);
    let principal: Principal | null;
    if (cached !== undefined) {
      principal = cached;
    } else {
      const generation = cache.generation();
      const row = await sessions.withAccount(core.db, claims.sid);
      const live = row && !row.revoked_at && row.expires_at.getTime() > nowMs && row.status === 'active';
      principal = live
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
      cache.set(key, principal, row ? row.expires_at.getTime() : nowMs + 60_000, nowMs, generation);
      // "Last used" is refreshed at cache-miss granularity, never on every request.
      if (principal) sessions.touch(core.db, claims.sid, info.ip).catch(() => {});
    }
    // A token must belong to the session's own account.
    return principal && principal.userId === claims.sub ? principal : null;
  }

  async function fromApiKey(key: string): Promise<Principal | null> {
    const cacheKey = `k:${hashToken(key)}`;
    const nowMs = core.clock.now().getTime();
    const cached = cache.get(cacheKey, nowMs);
    if (cached !== undefined) return cached;
    const generation = cache.generation();
    const resolved = await apiKeys.resolve(key);
    cache.set(cacheKey, resolved?.principal ?? null, resolved?.expiresAt ?? nowMs + 60_000, nowMs, generation);
    return resolved?.principal ?? null;
  }

  return async (credentials: Credentials, info: RequestInfo): Promise<Principal | null> => {
    if (credentials.bearer) return fromAccessToken(credentials.bearer, info);
    if (credentials.apiKey) return fromApiKey(credentials.apiKey);
    return null;
  };
}
