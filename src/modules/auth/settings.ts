// The auth module's slice of the configuration (decision 0034): refresh tokens, the login
// throttle and the rate limit of the credential routes. The access tokens' lifetime is core's
// (ACCESS_TOKEN_TTL): core signs and checks them.
import { defineSettings, integer, type SettingsOf, seconds, secondsAtMost, setting } from '../../core/settings.ts';

export const authSettings = defineSettings({
  refreshTokenTtl: setting('REFRESH_TOKEN_TTL', '30d', seconds, 'Refresh token (session) lifetime.'),
  refreshReuseLeeway: setting('REFRESH_REUSE_LEEWAY', '10s', seconds, 'Window in which a concurrent retry of a just-rotated refresh token gets the same new pair.'),
  loginMaxFailures: setting(
    'LOGIN_MAX_FAILURES',
    '5',
    integer(1, 1000),
    'Failed logins of one account from one client (an IPv4 address or IPv6 /64) before that client is locked out of it; the lock doubles with each further lock.',
  ),
  loginLockBase: setting('LOGIN_LOCK_BASE', '1m', seconds, 'First lock period after too many failed logins.'),
  loginAccountSlowdown: setting(
    'LOGIN_ACCOUNT_SLOWDOWN',
    '20',
    integer(1, 100000),
    'Failed logins of one account from all clients together after which its logins are spaced `LOGIN_ACCOUNT_SPACING` apart (never locked).',
  ),
  loginAccountSpacing: setting('LOGIN_ACCOUNT_SPACING', '5s', secondsAtMost(60), 'Least time between two logins of an account past `LOGIN_ACCOUNT_SLOWDOWN` (at most 60s).'),
  loginAccountWindow: setting('LOGIN_ACCOUNT_WINDOW', '1h', seconds, 'Time without a failed login after which an account counts its failures from zero again.'),
  authRateLimit: setting('AUTH_RATE_LIMIT', '20', integer(1, 100000), 'Requests per minute per IP to login, OTP and password endpoints.'),
});

export type AuthSettings = SettingsOf<typeof authSettings>;
