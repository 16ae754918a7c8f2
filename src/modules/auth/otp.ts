// Sign-in with a one-time code sent by email. The request only publishes an event; the
// subscriber derives the code from the event id (so a redelivered event re-creates the
// same code and, with the mail idempotency key, no second mail), stores a keyed hash and
// mails it. A code lives 10 minutes and allows 5 attempts, counted even when wrong.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { subscriber } from '../../core/events/types.ts';
import type { RequestInfo } from '../../core/http/principal.ts';
import { safeEqual } from '../../core/security/random.ts';
import type { AuthContext } from './context.ts';
import type { TrustedDevices } from './devices.ts';
import { oneTimeCodeMail } from './mail.ts';
import { otpCodes } from './mfa-repository.ts';
import { AuthProblems } from './problems.ts';
import { type Account, accounts } from './repository.ts';
import type { MfaRequired } from './schemas.ts';
import type { SessionService, TokenPair } from './sessions.ts';

export const OTP_TTL_MINUTES = 10;
export const OTP_MAX_ATTEMPTS = 5;

export type MfaRequiredResult = Static<typeof MfaRequired>;

export type CreateChallenge = (tx: Executor, accountId: string) => Promise<MfaRequiredResult>;

const invalidCode = () => AuthProblems.invalidCode.error('The code is incorrect or has expired');

/** Six decimal digits from a MAC (base64url): the first 48 bits mod 10^6 (bias below 10^-8). */
export function deriveOtpCode(mac: string): string {
  const bytes = Buffer.from(mac, 'base64url');
  if (bytes.length < 6) throw new Error('MAC too short to derive a code');
  return (bytes.readUIntBE(0, 6) % 1_000_000).toString().padStart(6, '0');
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

type Outcome = { ok: true; result: TokenPair | MfaRequiredResult; verified: boolean } | { ok: false; disabled?: boolean };

export function createOtpService(ctx: AuthContext, deps: { sessions: SessionService; devices: TrustedDevices; createChallenge: CreateChallenge }) {
  const { core, invalidation } = ctx;
  const { db, clock, events, secrets, mailer } = core;

  // Keyed, so a leaked table cannot be reversed by trying the 10^6 codes.
  const hashCode = (accountId: string, code: string) => secrets.mac('otp-code-hash', `${accountId}:${code}`);

  /** Publishes a code request for an active account; silent otherwise (the route always answers 202). */
  async function request(email: string): Promise<void> {
    const account = await accounts.byEmail(db, normalizeEmail(email));
    if (account?.status !== 'active') return;
    await events.publish(db, 'auth.otp_requested', { userId: account.id });
  }

  async function verify(input: { email: string; code: string; deviceToken?: string }, info: RequestInfo): Promise<TokenPair | MfaRequiredResult> {
    const account = await accounts.byEmail(db, normalizeEmail(input.email));
    if (!account) throw invalidCode();
    // Errors are thrown after commit: a wrong code must still count as an attempt.
    const outcome = await db.transaction().execute(async (tx): Promise<Outcome> => {
      const row = await otpCodes.lockLatestUnused(tx, account.id);
      if (!row || row.expires_at <= clock.now() || row.attempts >= OTP_MAX_ATTEMPTS) return { ok: false };
      await otpCodes.addAttempt(tx, row.id);
      if (!safeEqual(row.code_hash, hashCode(account.id, input.code))) {
        await events.publish(tx, 'auth.login_failed', { userId: account.id, reason: 'bad_credentials', ip: info.ip }, { actorId: account.id });
        return { ok: false };
      }
      await otpCodes.markUsed(tx, row.id);
      const fresh = await accounts.lockById(tx, account.id);
      if (fresh?.status !== 'active') return { ok: false, disabled: true };
      const updated = await markEmailVerified(tx, fresh);
      const verified = updated !== null;
      const current = updated ?? fresh;
      if (current.totp_enabled_at && !(input.deviceToken && (await deps.devices.isTrusted(current.id, input.deviceToken, tx)))) {
        return { ok: true, result: await deps.createChallenge(tx, current.id), verified };
      }
      return { ok: true, result: await deps.sessions.issue(tx, current, 'otp', info), verified };
    });
    if (!outcome.ok) {
      // Only the holder of a valid code learns that the account is disabled.
      if (outcome.disabled) throw AuthProblems.accountDisabled.error('This account is disabled');
      throw invalidCode();
    }
    // Cached principals carry emailVerified.
    if (outcome.verified) await invalidation.account(account.id);
    return outcome.result;
  }

  /** A code that arrived by mail proves the mailbox. Returns the updated account, or null if it was verified already. */
  async function markEmailVerified(tx: Executor, account: Account): Promise<Account | null> {
    if (account.email_verified_at) return null;
    const updated = await accounts.update(tx, account.id, { email_verified_at: clock.now() });
    await events.publish(tx, 'auth.email_verified', { userId: account.id }, { actorId: account.id });
    return updated ?? null;
  }

  const sendCode = subscriber('auth.send_otp_code', 'auth.otp_requested', async (event, { db: tx }) => {
    const account = await accounts.byId(tx, event.payload.userId);
    if (account?.status !== 'active') return;
    const code = deriveOtpCode(secrets.mac('otp-code', event.id));
    await otpCodes.voidUnused(tx, account.id);
    await otpCodes.insert(tx, {
      id: uuidv7(),
      account_id: account.id,
      code_hash: hashCode(account.id, code),
      expires_at: new Date(clock.now().getTime() + OTP_TTL_MINUTES * 60_000),
    });
    const mail = oneTimeCodeMail({ code, ttlMinutes: OTP_TTL_MINUTES });
    await mailer.send({ to: account.email, ...mail, idempotencyKey: `${event.id}-otp` });
  });

  return { request, verify, subscribers: [sendCode] };
}

export type OtpService = ReturnType<typeof createOtpService>;
