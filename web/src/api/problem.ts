// The one way the console shows errors. Every refusal of the API is an RFC 9457 problem+json
// document with a stable `code` (src/core/errors.ts); field refusals list `errors[]` with the
// field as the validator names it (`body.password`). This turns one into a sentence for the
// action and a message per form field.

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  requestId?: string;
  errors?: FieldProblem[];
  retryAfter?: number;
}

/** Sentences a person understands, for the codes a person meets; others show the API's detail. */
const MESSAGES: Record<string, string> = {
  'AUTH.INVALID_CREDENTIALS': 'The email or the password is wrong.',
  'AUTH.ACCOUNT_LOCKED': 'Too many failed attempts: this account is locked for a while from here.',
  'AUTH.ACCOUNT_SLOWED': 'Too many failed attempts: wait a few seconds and try again.',
  'AUTH.ACCOUNT_DISABLED': 'This account is disabled.',
  'AUTH.INVALID_TOKEN': 'This link is invalid, already used or expired.',
  'DASHBOARDS.SHARE_NOT_FOUND': 'This shared link was revoked or has expired: ask its owner for a new one.',
  'AUTH.WEAK_PASSWORD': 'Choose a stronger password.',
  'AUTH.WRONG_PASSWORD': 'The current password is wrong.',
  'AUTH.INVALID_CODE': 'The code is wrong or expired.',
  'AUTH.WRONG_TOTP_CODE': 'The code is wrong.',
  'AUTH.INVALID_MFA_TOKEN': 'This sign-in took too long: start again.',
  'ORG.INVITATION_INVALID': 'This invitation link is not valid: check that it is complete.',
  'ORG.INVITATION_REVOKED': 'This invitation was withdrawn: ask for a new one.',
  'ORG.INVITATION_USED': 'This invitation was already accepted.',
  'ORG.INVITATION_EXPIRED': 'This invitation has expired: ask for a new one.',
  'ORG.INVITATION_EMAIL_MISMATCH': 'This invitation is for another email address: sign in with that one.',
  'ORG.ALREADY_MEMBER': 'You are already a member of this organization.',
  'ORG.LAST_OWNER': 'The organization would have no owner left: make someone else owner first.',
  'ORG.SLUG_TAKEN': 'Another organization already uses this slug: choose another.',
  'NOTIFICATIONS.PHONE_REQUIRED': 'SMS needs a phone number: give one, or turn SMS off.',
  'CHAT.ATTACHMENT_UNSUPPORTED': 'Attach a text (.txt), Markdown (.md), CSV (.csv) or PDF (.pdf) file.',
  'CHAT.ANSWER_IN_PROGRESS': 'An answer is still being written: wait for it, or stop it.',
  'DATA_SOURCES.HOST_NOT_ALLOWED': 'This server may not connect to that host: check the address, or ask the operator to allow it.',
  'DATA_SOURCES.NAME_TAKEN': 'Another data source already has this name.',
  'DATA_SOURCES.NOT_SYNCED': 'Read the source’s schema first (on the source’s page).',
  'LLM.NOT_CONFIGURED': 'Questions in plain language need a language model, and none is configured on this server.',
  'TIME.ENTRY_OVERLAP': 'This entry overlaps another of your entries: move or shorten one.',
  'TIME.LOCKED': 'This time is locked: entries before the lock date cannot change.',
  'TIME.PERIOD_APPROVED': 'This timesheet is approved: its entries cannot change unless it is rejected.',
  'TIME.PROJECT_ARCHIVED': 'The project is archived: its time cannot change.',
  'TIME.INVALID_RANGE': 'The end must be after the start.',
  'TIME.TIMER_RUNNING': 'A running timer is in the way: stop it first.',
  'TIME.SELF_APPROVAL': 'Nobody approves or rejects their own timesheet.',
  'TIME.TIMESHEET_NOT_SUBMITTED': 'This timesheet is not waiting for a decision.',
  'PROJECTS.KEY_TAKEN': 'Another project already uses this key.',
  'PROJECTS.ARCHIVED': 'The project is archived: unarchive it to change it.',
  'REPORTS.RANGE_TOO_LONG': 'A report covers at most 366 days.',
  CONFLICT: 'This already exists.',
  RATE_LIMITED: 'Too many requests: wait a moment and try again.',
  UNAUTHENTICATED: 'Your session has ended: sign in again.',
  FORBIDDEN: 'You are not allowed to do this.',
  NOT_FOUND: 'This was not found.',
  VALIDATION_FAILED: 'Some fields need attention.',
};

const isProblem = (value: unknown): value is Problem =>
  typeof value === 'object' && value !== null && typeof (value as Problem).code === 'string' && typeof (value as Problem).status === 'number';

/** A problem from what a failed call gave: the API's document, or one standing for a network failure. */
export function toProblem(error: unknown, response?: Response): Problem {
  if (isProblem(error)) return error;
  if (response) return { status: response.status, code: `HTTP_${response.status}`, title: response.statusText || 'Error', detail: `The server answered ${response.status}.` };
  return { status: 0, code: 'NETWORK', title: 'Network error', detail: 'The server could not be reached. Check the connection and try again.' };
}

/** The sentence to show next to the action. */
export function problemMessage(problem: Problem): string {
  return MESSAGES[problem.code] ?? problem.detail ?? problem.title;
}

/** `body.password` → `password`; `query.from` → `from`: the name the form's field has. */
export function fieldName(field: string): string {
  return field.replace(/^(body|query|params|headers)[./]/, '').replace(/^\//, '').replaceAll('/', '.');
}

/** The message of each field the problem names, by the form's field names. */
export function fieldMessages(problem: Problem | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem?.errors ?? []) {
    const name = fieldName(e.field);
    out[name] = out[name] ? `${out[name]}; ${e.message}` : e.message;
  }
  return out;
}

/** Thrown by `call` (below) so an action's catch gets the problem. */
export class ProblemError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problemMessage(problem));
    this.name = 'ProblemError';
    this.problem = problem;
  }
}

/**
 * Unwraps an openapi-fetch answer: the data, or a thrown ProblemError. A rejected fetch (the
 * network) becomes a problem too, so every action handles one kind of failure.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await request;
  } catch (err) {
    throw new ProblemError(toProblem(err));
  }
  if (answer.error !== undefined || !answer.response.ok) throw new ProblemError(toProblem(answer.error, answer.response));
  return answer.data as T;
}
