// The auth module's problems (decision 0028): each code once per kind, thrown with `.error()`
// and listed by the routes that can answer it (`config.problems`). Two codes answer with two
// statuses, hence two definitions each, with the same code and no members of their own:
// `AUTH.INVALID_CREDENTIALS` (401 at sign-in, 400 for the password confirming an action) and
// `AUTH.INVALID_CODE` (401 at sign-in, 400 when setting up or turning off TOTP). The document
// has one schema per code, described by the first definition it meets, so both definitions of
// a code share one description that covers both uses.
import { defineProblem } from '../../core/errors.ts';

const INVALID_CREDENTIALS =
  'The email or password is wrong: at sign-in (401; the same answer for an email without an account), check both or sign in with a mailed code; ' +
  'confirming an action with the current password (400, `errors` names the field), ask for it again.';
const INVALID_CODE =
  'The code is wrong or has expired: at sign-in (401; every try counts), enter the current code or ask for a new one; ' +
  'setting up or turning off TOTP (400, `errors` names the field), enter a current code from the authenticator app (or, to turn it off, a recovery code).';

export const AuthProblems = {
  invalidCredentials: defineProblem('unauthenticated', 'AUTH.INVALID_CREDENTIALS', INVALID_CREDENTIALS),
  wrongPassword: defineProblem('validation', 'AUTH.INVALID_CREDENTIALS', INVALID_CREDENTIALS),
  weakPassword: defineProblem(
    'validation',
    'AUTH.WEAK_PASSWORD',
    'The new password breaks the password policy (too short, too common, or made of the email or name; `detail` says which): choose another.',
  ),
  invalidToken: defineProblem('validation', 'AUTH.INVALID_TOKEN', 'The token of the mailed link is unknown, already used or expired: ask for a new mail.'),
  accountDisabled: defineProblem(
    'forbidden',
    'AUTH.ACCOUNT_DISABLED',
    'The credentials are right, but an administrator disabled the account: only an administrator can enable it again.',
  ),
  accountLocked: defineProblem(
    'rate_limited',
    'AUTH.ACCOUNT_LOCKED',
    'Too many failed sign-ins to this account from this address (an IPv6 /64 counts as one); the password was not checked: wait `Retry-After` seconds (each lock in a row doubles), or ask an administrator to unlock the account. Other addresses can still sign in.',
    { retryAfter: true },
  ),
  accountSlowed: defineProblem(
    'rate_limited',
    'AUTH.ACCOUNT_SLOWED',
    'Too many failed sign-ins to this account from all addresses together: its attempts are spaced a few seconds apart, and the password was not checked; retry after `Retry-After` seconds.',
    { retryAfter: true },
  ),
  invalidRefreshToken: defineProblem(
    'unauthenticated',
    'AUTH.INVALID_REFRESH_TOKEN',
    'The refresh token is unknown or expired, or its session or account ended: sign in again.',
  ),
  refreshTokenReused: defineProblem(
    'unauthenticated',
    'AUTH.REFRESH_TOKEN_REUSED',
    'A refresh token already exchanged was presented again after the leeway: it may have leaked, so its whole session is revoked; sign in again.',
  ),
  invalidCode: defineProblem('unauthenticated', 'AUTH.INVALID_CODE', INVALID_CODE),
  wrongTotpCode: defineProblem('validation', 'AUTH.INVALID_CODE', INVALID_CODE),
  invalidMfaToken: defineProblem(
    'unauthenticated',
    'AUTH.INVALID_MFA_TOKEN',
    'The sign-in challenge (`mfaToken`) is unknown, used, expired (5 minutes) or out of attempts (5): sign in again.',
  ),
  mfaAlreadyEnabled: defineProblem('conflict', 'AUTH.MFA_ALREADY_ENABLED', 'Two-factor authentication is already on: turn it off first to set it up again.'),
  mfaNotSetUp: defineProblem('conflict', 'AUTH.MFA_NOT_SET_UP', 'No TOTP secret is pending confirmation: start with POST /auth/mfa/totp/setup.'),
  mfaNotEnabled: defineProblem('conflict', 'AUTH.MFA_NOT_ENABLED', 'Two-factor authentication is not on: there is nothing to turn off.'),
  tooManyApiKeys: defineProblem('conflict', 'AUTH.TOO_MANY_API_KEYS', 'The user has as many active API keys as allowed (`detail` says how many): revoke one first.'),
  unknownScope: defineProblem(
    'validation',
    'AUTH.UNKNOWN_SCOPE',
    'A requested scope is checked by no route, so no key can hold it (`errors` names each): choose among those `GET /auth/scopes` lists.',
  ),
  /**
   * Thrown by the account administration the users module calls (`setStatus`), hence its
   * `USERS.` code; listed by the users routes.
   */
  cannotDisableSelf: defineProblem('conflict', 'USERS.CANNOT_DISABLE_SELF', 'An administrator cannot disable their own account: another administrator can.'),
};
