// The notifications module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const NotificationProblems = {
  notFound: defineProblem('not_found', 'NOTIFICATIONS.NOT_FOUND', "No such notification of yours (another user's is not found either)."),
  phoneRequired: defineProblem(
    'validation',
    'NOTIFICATIONS.PHONE_REQUIRED',
    'SMS would be on for a notification type with no phone number to send to (`errors` names the types): give `phoneNumber`, or leave SMS off.',
  ),
  invalidTicket: defineProblem(
    'unauthenticated',
    'NOTIFICATIONS.INVALID_TICKET',
    'The stream ticket is unknown, already used or expired (60 s): ask POST /stream/tickets for a new one.',
  ),
  tooManyStreams: defineProblem(
    'rate_limited',
    'NOTIFICATIONS.TOO_MANY_STREAMS',
    'The user has too many open streams on this instance (one per tab or device): close one, or retry after `Retry-After` seconds.',
    { retryAfter: true },
  ),
};
