// The users module's problems (decision 0028): thrown with `.error()`, listed on routes. The
// account administration it calls answers auth's (`AuthProblems`: `USERS.CANNOT_DISABLE_SELF`,
// `AUTH.INVALID_CREDENTIALS`).
import { defineProblem } from '../../core/errors.ts';

export const UserProblems = {
  profileNotReady: defineProblem(
    'conflict',
    'USERS.PROFILE_NOT_READY',
    'The profile of an account registered a moment ago is still being created: retry after `Retry-After` seconds.',
    { retryAfter: true },
  ),
};
