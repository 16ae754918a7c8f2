// TOTP second factor, recovery codes, trusted devices and one-time email codes.
// This file holds the TOTP use cases (set-up, confirm, disable, answering a sign-in
// challenge) and wires the rest: otp.ts (email codes) and devices.ts (trusted devices).
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { type AppError, CoreProblems, invalid } from '../../core/errors.ts';
import type { Subscriber } from '../../core/events/types.ts';
import type { Principal, RequestInfo } from '../../core/http/principal.ts';
import { hashToken, randomToken } from '../../core/security/random.ts';
import type { AuthContext } from './context.ts';
import { createTrustedDevices } from './devices.ts';
import { recoveryCodes, type TotpState, totpState } from './mfa-repository.ts';
import { type MfaVerifyInput, mfaRoutes, type TotpApi } from './mfa-routes.ts';
import { type CreateChallenge, createOtpService } from './otp.ts';
import { AuthProblems } from './problems.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.ts';
import { accounts, actionTokens } from './repository.ts';
import type { SessionService, TokenPair } from './sessions.ts';
import { base32Decode, generateTotpSecret, otpauthUrl, verifyTotp } from './totp.ts';

export interface TrustedDeviceCheck {
  isTrusted(accountId: string, deviceToken: string): Promise<boolean>;
}

export const MFA_ISSUER = 'Trellis';
export const MFA_CHALLENGE_TTL_SECONDS = 300;
export const MFA_CHALLENGE_MAX_ATTEMPTS = 5;

const badCode = () => AuthProblems.wrongTotpCode.error('The code is incorrect', { errors: [{ field: 'body.code', message: 'is incorrect' }] });
const badSecondFactor = () => AuthProblems.invalidCode.error('The code is incorrect');
const badChallenge = () => AuthProblems.invalidMfaToken.error('The sign-in challenge is invalid or has expired; sign in again');

type ChallengeOutcome = { ok: true; result: TokenPair & { deviceToken?: string } } | { ok: false; error: AppError };

export function createMfa(ctx: AuthContext, deps: { sessions: SessionService }) {
  const { db, clock, events, secrets, settings } = ctx.core;
  const devices = createTrustedDevices(ctx);

  /** The token a password (or email code) sign-in hands out when a second factor is still due. */
  const createChallenge: CreateChallenge = async (tx, accountId) => {
    const token = randomToken();
    await actionTokens.insert(tx, {
      id: uuidv7(),
      account_id: accountId,
      purpose: 'mfa_challenge',
      token_hash: hashToken(token),
      expires_at: new Date(clock.now().getTime() + MFA_CHALLENGE_TTL_SECONDS * 1000),
    });
    return { mfaRequired: true, mfaToken: token, expiresIn: MFA_CHALLENGE_TTL_SECONDS };
  };

  const otp = createOtpService(ctx, { sessions: deps.sessions, devices, createChallenge });

  /** Accepts a TOTP code of the account and records its step, so it cannot be replayed. */
  async function acceptTotp(tx: Executor, state: TotpState, code: string): Promise<boolean> {
    if (!state.totpSecret) return false;
    const key = base32Decode(secrets.open(state.totpSecret));
    const step = verifyTotp(key, code, clock.now().getTime(), { lastUsedStep: state.totpLastStep });
    if (step === null) return false;
    await totpState.update(tx, state.id, { totp_last_step: step });
    return true;
  }

  /** Spends a recovery code (looked up by keyed hash, so no comparison of secrets here). */
  async function acceptRecoveryCode(tx: Executor, accountId: string, input: string): Promise<boolean> {
    const normalized = normalizeRecoveryCode(input);
    if (!normalized) return false;
    return recoveryCodes.use(tx, accountId, hashRecoveryCode(secrets, accountId, normalized));
  }

  async function lockActive(tx: Executor, principal: Principal): Promise<TotpState> {
    const state = await totpState.lock(tx, principal.userId);
    if (state?.status !== 'active') throw CoreProblems.unauthenticated.error('Authentication required');
    return state;
  }

  /** Starts (or restarts) the set-up: a new secret, pending until a code confirms it. */
  async function setup(principal: Principal) {
    const secret = generateTotpSecret();
    const email = await db.transaction().execute(async (tx) => {
      const state = await lockActive(tx, principal);
      if (state.totpEnabledAt) throw AuthProblems.mfaAlreadyEnabled.error('Two-factor authentication is already enabled');
      await totpState.update(tx, state.id, { totp_secret: secrets.seal(secret), totp_last_step: null });
      return state.email;
    });
    return { secret, otpauthUrl: otpauthUrl({ issuer: MFA_ISSUER, account: email, secret }) };
  }

  /** Turns TOTP on with a first valid code; returns fresh recovery codes (shown once). */
  async function confirm(principal: Principal, code: string) {
    return db.transaction().execute(async (tx) => {
      const state = await lockActive(tx, principal);
      if (state.totpEnabledAt) throw AuthProblems.mfaAlreadyEnabled.error('Two-factor authentication is already enabled');
      if (!state.totpSecret) throw AuthProblems.mfaNotSetUp.error('Start with POST /auth/mfa/totp/setup');
      if (!(await acceptTotp(tx, state, code))) throw badCode();
      const codes = generateRecoveryCodes();
      await recoveryCodes.replace(
        tx,
        state.id,
        codes.map((c) => ({ id: uuidv7(), code_hash: hashRecoveryCode(secrets, state.id, c) })),
      );
      await totpState.update(tx, state.id, { totp_enabled_at: clock.now() });
      await events.publish(tx, 'auth.mfa_enabled', { userId: state.id }, { actorId: state.id });
      return { recoveryCodes: codes };
    });
  }

  /** Turns TOTP off with a current code or a recovery code; forgets codes and trusted devices. */
  async function disable(principal: Principal, code: string) {
    await db.transaction().execute(async (tx) => {
      const state = await lockActive(tx, principal);
      if (!state.totpEnabledAt) throw AuthProblems.mfaNotEnabled.error('Two-factor authentication is not enabled');
      const ok = /^\d{6}$/.test(code) ? await acceptTotp(tx, state, code) : await acceptRecoveryCode(tx, state.id, code);
      if (!ok) throw badCode();
      await totpState.update(tx, state.id, { totp_secret: null, totp_enabled_at: null, totp_last_step: null });
      await recoveryCodes.deleteAll(tx, state.id);
      await devices.revokeAll(tx, state.id);
      await events.publish(tx, 'auth.mfa_disabled', { userId: state.id }, { actorId: state.id });
    });
  }

  /** Finishes a sign-in that returned `mfaRequired`. */
  async function verify(input: MfaVerifyInput, info: RequestInfo): Promise<TokenPair & { deviceToken?: string }> {
    if ((input.code === undefined) === (input.recoveryCode === undefined)) {
      throw invalid('body', 'must have exactly one of code or recoveryCode');
    }
    // Failures return instead of throwing: the attempt and the audit event must commit.
    const outcome = await db.transaction().execute(async (tx): Promise<ChallengeOutcome> => {
      const challenge = await actionTokens.lockByHash(tx, 'mfa_challenge', hashToken(input.mfaToken));
      if (!challenge || challenge.used_at || challenge.expires_at <= clock.now() || challenge.attempts >= MFA_CHALLENGE_MAX_ATTEMPTS) {
        return { ok: false, error: badChallenge() };
      }
      await actionTokens.addAttempt(tx, challenge.id);
      const state = await totpState.lock(tx, challenge.account_id);
      if (state?.status !== 'active' || !state.totpEnabledAt) return { ok: false, error: badChallenge() };
      const ok = input.code !== undefined ? await acceptTotp(tx, state, input.code) : await acceptRecoveryCode(tx, state.id, input.recoveryCode!);
      if (!ok) {
        await events.publish(tx, 'auth.login_failed', { userId: state.id, reason: 'bad_second_factor', ip: info.ip }, { actorId: state.id });
        return { ok: false, error: badSecondFactor() };
      }
      await actionTokens.markUsed(tx, challenge.id);
      const account = await accounts.byId(tx, state.id);
      if (!account) return { ok: false, error: badChallenge() };
      const pair = await deps.sessions.issue(tx, account, 'mfa', info);
      if (!input.trustDevice) return { ok: true, result: pair };
      return { ok: true, result: { ...pair, deviceToken: await devices.trust(tx, account.id, info, input.deviceName) } };
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  const totp: TotpApi = { setup, confirm, disable, verify };
  const check: TrustedDeviceCheck = { isTrusted: (accountId, deviceToken) => devices.isTrusted(accountId, deviceToken) };

  return {
    devices: check,
    routes: mfaRoutes({ otp, totp, devices, authRateLimit: settings.authRateLimit, refreshTokenTtl: settings.refreshTokenTtl }),
    subscribers: [...otp.subscribers] as Subscriber<any>[],
    /** The challenge a password sign-in hands out when the second factor is due. */
    createChallenge,
    /** Forgets every trusted device of the account (password reset). */
    revokeDevices: (tx: Executor, accountId: string) => devices.revokeAll(tx, accountId),
  };
}
