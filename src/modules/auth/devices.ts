// Trusted devices: after a passed second factor a browser may ask to be trusted for 30
// days; its random token (stored as a SHA-256 hash) then lets a password sign-in skip MFA.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import type { Principal, RequestInfo } from '../../core/http/principal.ts';
import { hashToken, randomToken } from '../../core/security/random.ts';
import type { AuthContext } from './context.ts';
import type { DeviceView as DeviceSchema } from './mfa-schemas.ts';
import { trustedDevices } from './mfa-repository.ts';

export const TRUSTED_DEVICE_TTL_DAYS = 30;

export type DeviceView = Static<typeof DeviceSchema>;

export function createTrustedDevices(ctx: AuthContext) {
  const { db, clock, events } = ctx.core;

  /**
   * True when the token is a live device of this account; records the use. Pass `exec`
   * when calling inside a transaction: the use is recorded with it, on its connection.
   */
  async function isTrusted(accountId: string, deviceToken: string, exec: Executor = db): Promise<boolean> {
    if (!deviceToken || deviceToken.length > 512) return false;
    const row = await trustedDevices.byHash(exec, hashToken(deviceToken));
    if (!row || row.account_id !== accountId || row.revoked_at || row.expires_at <= clock.now()) return false;
    await trustedDevices.touch(exec, row.id);
    return true;
  }

  /** Trusts the current device inside the caller's transaction; returns the token, shown once. */
  async function trust(tx: Executor, accountId: string, info: RequestInfo, name?: string): Promise<string> {
    const token = randomToken();
    const id = uuidv7();
    // Not service.ts's describeDevice: importing it would close an import cycle (service -> mfa -> devices).
    const label = name?.trim() || info.userAgent?.trim() || null;
    await trustedDevices.insert(tx, {
      id,
      account_id: accountId,
      token_hash: hashToken(token),
      label: label?.slice(0, 200) ?? null,
      ip: info.ip,
      expires_at: new Date(clock.now().getTime() + TRUSTED_DEVICE_TTL_DAYS * 86_400_000),
    });
    await events.publish(tx, 'auth.device_trusted', { userId: accountId, deviceId: id }, { actorId: accountId });
    return token;
  }

  async function list(principal: Principal): Promise<DeviceView[]> {
    const rows = await trustedDevices.listActive(db, principal.userId, clock.now());
    return rows.map((d) => ({
      id: d.id,
      label: d.label,
      ip: d.ip,
      createdAt: d.created_at.toISOString(),
      lastUsedAt: d.last_used_at.toISOString(),
      expiresAt: d.expires_at.toISOString(),
    }));
  }

  async function revoke(principal: Principal, id: string): Promise<void> {
    const done = await db.transaction().execute(async (tx) => {
      const ids = await trustedDevices.revoke(tx, principal.userId, id);
      for (const deviceId of ids) {
        await events.publish(tx, 'auth.device_revoked', { userId: principal.userId, deviceId }, { actorId: principal.userId });
      }
      return ids.length > 0;
    });
    if (!done) throw CoreProblems.notFound.error('Device not found');
  }

  /** Forgets every device of the account (MFA turned off). */
  async function revokeAll(tx: Executor, accountId: string): Promise<void> {
    const ids = await trustedDevices.revoke(tx, accountId);
    for (const deviceId of ids) await events.publish(tx, 'auth.device_revoked', { userId: accountId, deviceId }, { actorId: accountId });
  }

  return { isTrusted, trust, list, revoke, revokeAll };
}

export type TrustedDevices = ReturnType<typeof createTrustedDevices>;
