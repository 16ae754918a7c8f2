// Events the auth module publishes. Payloads carry ids and the facts that changed;
// never a secret (tokens are minted by the subscriber that mails them).
export type LoginMethod = 'password' | 'otp' | 'mfa';

export interface AuthEvents {
  'auth.user_registered': { userId: string; email: string; displayName: string };
  'auth.email_verified': { userId: string };
  'auth.email_verification_requested': { userId: string };
  'auth.logged_in': { userId: string; sessionId: string; method: LoginMethod; ip: string | null };
  'auth.login_failed': { userId: string | null; reason: 'bad_credentials' | 'locked' | 'disabled' | 'bad_second_factor'; ip: string | null };
  /** One client (`ip`, counted with its IPv6 /64) is locked out of the email; others are not. */
  'auth.account_locked': { userId: string | null; lockedUntil: string; ip: string | null };
  /** The email reached LOGIN_ACCOUNT_SLOWDOWN failures from all clients: its sign-ins are spaced from now on. */
  'auth.account_slowed': { userId: string | null; failures: number };
  'auth.account_unlocked': { userId: string };
  'auth.password_changed': { userId: string; via: 'change' | 'reset' };
  /** Published for any email, with an account or not; the link goes out only to an active account. */
  'auth.password_reset_requested': { email: string };
  'auth.password_reset_mailed': { userId: string };
  'auth.otp_requested': { userId: string };
  'auth.session_revoked': { userId: string; sessionIds: string[]; reason: string };
  'auth.refresh_token_reused': { userId: string; sessionId: string; ip: string | null };
  'auth.mfa_enabled': { userId: string };
  'auth.mfa_disabled': { userId: string };
  'auth.device_trusted': { userId: string; deviceId: string };
  'auth.device_revoked': { userId: string; deviceId: string };
  'auth.api_key_created': { userId: string; apiKeyId: string; scopes: string[] };
  'auth.api_key_revoked': { userId: string; apiKeyId: string };
  'auth.role_changed': { userId: string; role: 'user' | 'admin' };
  'auth.status_changed': { userId: string; status: 'active' | 'disabled' | 'deleted' };
}

declare module '../../core/events/types.ts' {
  interface EventMap extends AuthEvents {}
}
