// Mail is sent by event subscribers after the request committed, never inside it.
// Each secret is derived from the event id (HMAC with a server key), so a redelivered
// event re-creates the very same token and the same mail: with the file transport's
// idempotency key, a crash between sending and recording yields no second, stale mail.
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { subscriber } from '../../core/events/types.ts';
import { hashToken } from '../../core/security/random.ts';
import type { AuthContext } from './context.ts';
import { passwordResetMail, verificationMail } from './mail.ts';
import { accounts, actionTokens, type ActionPurpose } from './repository.ts';

export const VERIFY_EMAIL_TTL_HOURS = 48;
export const PASSWORD_RESET_TTL_MINUTES = 30;

export function createMailSubscribers(ctx: AuthContext) {
  const { core } = ctx;
  const { secrets, mailer, clock, config, events } = core;

  function link(path: string, token: string) {
    return `${config.publicUrl.replace(/\/$/, '')}${path}?token=${encodeURIComponent(token)}`;
  }

  async function mintToken(db: Executor, eventId: string, accountId: string, purpose: ActionPurpose, ttlMs: number) {
    const token = secrets.mac(`action-token:${purpose}`, eventId);
    // Only the latest link works; the insert is a no-op when a retry already stored this one.
    await actionTokens.voidUnused(db, accountId, purpose);
    await actionTokens.insert(db, { id: uuidv7(), account_id: accountId, purpose, token_hash: hashToken(token), expires_at: new Date(clock.now().getTime() + ttlMs) });
    return token;
  }

  const sendVerification = async (eventId: string, userId: string, displayName: string | undefined, db: Executor) => {
    const account = await accounts.byId(db, userId);
    if (!account || account.email_verified_at || account.status !== 'active') return;
    const token = await mintToken(db, eventId, userId, 'verify_email', VERIFY_EMAIL_TTL_HOURS * 3_600_000);
    const mail = verificationMail({ displayName: displayName || account.email.split('@')[0], link: link('/verify-email', token), token });
    await mailer.send({ to: account.email, ...mail, idempotencyKey: `${eventId}-verify` });
  };

  return [
    subscriber('auth.send_verification_on_register', 'auth.user_registered', (e, { db }) =>
      sendVerification(e.id, e.payload.userId, e.payload.displayName, db),
    ),
    subscriber('auth.send_verification_on_request', 'auth.email_verification_requested', (e, { db }) =>
      sendVerification(e.id, e.payload.userId, undefined, db),
    ),
    // The request only recorded the email (decision 0021): the account is looked up here, after the answer.
    subscriber('auth.send_password_reset', 'auth.password_reset_requested', async (e, { db }) => {
      // Requests recorded before 0021 name the account by id; they may still be in the outbox after an upgrade.
      const { email, userId } = e.payload as { email?: string; userId?: string };
      const account = email ? await accounts.byEmail(db, email) : userId ? await accounts.byId(db, userId) : undefined;
      if (account?.status !== 'active') return;
      const token = await mintToken(db, e.id, account.id, 'password_reset', PASSWORD_RESET_TTL_MINUTES * 60_000);
      const mail = passwordResetMail({ displayName: account.email.split('@')[0], link: link('/reset-password', token), token, ttlMinutes: PASSWORD_RESET_TTL_MINUTES });
      await mailer.send({ to: account.email, ...mail, idempotencyKey: `${e.id}-reset` });
      // The account's own history (audit) shows the link went out; the request itself names only an email.
      await events.publish(db, 'auth.password_reset_mailed', { userId: account.id }, { actorId: null });
    }),
  ];
}
