// Events the auth module publishes. Payloads carry ids and the facts that changed; never a
// secret (tokens are minted by the subscriber that mails them). All are internal: they are
// about accounts, not an organization's data, and no receiver outside the system gets them.
import { type TProperties, Type } from 'typebox';
import { defineEvents, type EventTarget, Id, Instant, internalEvent, Nullable, OneOf, type PayloadsOf } from '../../core/events/declarations.ts';

export type LoginMethod = 'password' | 'otp' | 'mfa';

const user = { type: 'user', field: 'userId' } as const;
const session = { type: 'session', field: 'sessionId' } as const;
const device = { type: 'device', field: 'deviceId' } as const;
const apiKey = { type: 'api_key', field: 'apiKeyId' } as const;
const Ip = () => Nullable(Type.String({ description: 'The client address, as the server saw it.' }));
/** An internal event of version 1 about `target` (the account unless said). */
const about = <P extends TProperties>(description: string, properties: P, target: EventTarget | null = user) => internalEvent(description, properties, target);

export const authEvents = defineEvents({
  'auth.user_registered': about('An account was created.', { userId: Id(), email: Type.String({ format: 'email' }), displayName: Type.String() }),
  'auth.email_verified': about('An account proved it owns its email.', { userId: Id() }),
  'auth.email_verification_requested': about('A verification link was asked for.', { userId: Id() }),
  'auth.logged_in': about('A session began.', { userId: Id(), sessionId: Id(), method: OneOf(['password', 'otp', 'mfa']), ip: Ip() }, session),
  'auth.login_failed': about('A sign-in was refused; `userId` is null for an unknown email.', {
    userId: Nullable(Id()),
    reason: OneOf(['bad_credentials', 'locked', 'disabled', 'bad_second_factor']),
    ip: Ip(),
  }),
  'auth.account_locked': about('One client (`ip`, counted with its IPv6 /64) is locked out of the email; others are not.', {
    userId: Nullable(Id()),
    lockedUntil: Instant(),
    ip: Ip(),
  }),
  'auth.account_slowed': about('The email reached LOGIN_ACCOUNT_SLOWDOWN failures from all clients: its sign-ins are spaced from now on.', {
    userId: Nullable(Id()),
    failures: Type.Integer({ minimum: 0 }),
  }),
  'auth.account_unlocked': about('An admin lifted the lockouts of an account.', { userId: Id() }),
  'auth.password_changed': about('A password was changed or reset.', { userId: Id(), via: OneOf(['change', 'reset']) }),
  'auth.password_reset_requested': about(
    'Published for any email, with an account or not; the link goes out only to an active account.',
    { email: Type.String() },
    null,
  ),
  'auth.password_reset_mailed': about('A reset link was mailed.', { userId: Id() }),
  'auth.otp_requested': about('A one-time sign-in code was asked for.', { userId: Id() }),
  'auth.session_revoked': about(
    'Sessions ended (sign-out, an admin, a password change).',
    { userId: Id(), sessionIds: Type.Array(Id()), reason: Type.String() },
    { type: 'session', field: 'sessionIds' },
  ),
  'auth.refresh_token_reused': about('A used refresh token came back: its session was ended.', { userId: Id(), sessionId: Id(), ip: Ip() }, session),
  'auth.mfa_enabled': about('Two-factor sign-in was turned on.', { userId: Id() }),
  'auth.mfa_disabled': about('Two-factor sign-in was turned off.', { userId: Id() }),
  'auth.device_trusted': about('A device may skip the second factor.', { userId: Id(), deviceId: Id() }, device),
  'auth.device_revoked': about('A trusted device was forgotten.', { userId: Id(), deviceId: Id() }, device),
  'auth.api_key_created': about('An API key was made.', { userId: Id(), apiKeyId: Id(), scopes: Type.Array(Type.String()) }, apiKey),
  'auth.api_key_revoked': about('An API key was revoked.', { userId: Id(), apiKeyId: Id() }, apiKey),
  'auth.role_changed': about("An account's system role changed.", { userId: Id(), role: OneOf(['user', 'admin']) }),
  'auth.status_changed': about("An account's status changed.", { userId: Id(), status: OneOf(['active', 'disabled', 'deleted']) }),
});

export type AuthEvents = PayloadsOf<typeof authEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends AuthEvents {}
}
