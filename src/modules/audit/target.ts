// What an event is about: the most specific id in its payload. Payloads carry ids of the
// thing that changed and of what it belongs to (a task names its project and org); the audit
// log files the event under the thing itself, so "the history of task X" is one index lookup.

export interface AuditTarget {
  type: string;
  id: string;
}

/** Known id fields, most specific first, with the name their target type goes by. */
const KNOWN: readonly (readonly [field: string, type: string])[] = [
  ['entryId', 'time_entry'],
  ['timesheetId', 'timesheet'],
  ['taskId', 'task'],
  // Before templateId: a project created from a template is about the project.
  ['projectId', 'project'],
  ['templateId', 'project_template'],
  ['invitationId', 'invitation'],
  ['apiKeyId', 'api_key'],
  ['deviceId', 'device'],
  ['sessionId', 'session'],
  ['sessionIds', 'session'],
];

/** The broadest subjects, tried only when nothing more specific is named. */
const BROADEST: readonly (readonly [field: string, type: string])[] = [
  ['userId', 'user'],
  ['orgId', 'organization'],
];

/**
 * Id fields that name a party related to the change rather than its subject (the owner of a
 * new org, the approver of a timesheet): never the target.
 */
const REFERENCES = new Set(['ownerId', 'parentId', 'actorId', 'approverId', 'assigneeId', 'requestId', 'sourceProjectId', 'invitedById']);

const MAX_ID_LENGTH = 200;
const ID_FIELD = /^([a-z][A-Za-z0-9]*)Ids?$/;

/** A usable id: a non-empty string, or the first such string of an array. */
function idOf(value: unknown): string | null {
  const v = Array.isArray(value) ? value.find((x) => typeof x === 'string' && x.length > 0) : value;
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH ? v : null;
}

/** `webhookEndpointId` -> `webhook_endpoint`. */
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The target of an event: a known id field in order of specificity, else any other `…Id` field
 * (events of modules this list does not know yet: `endpointId` -> `endpoint`), else the user,
 * else the org. Null when the payload names none (a failed login of an unknown email).
 */
export function deriveTarget(payload: unknown): AuditTarget | null {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const fields = payload as Record<string, unknown>;
  for (const [field, type] of KNOWN) {
    const id = idOf(fields[field]);
    if (id) return { type, id };
  }
  const skip = new Set([...REFERENCES, ...KNOWN.map(([f]) => f), ...BROADEST.map(([f]) => f)]);
  for (const [field, value] of Object.entries(fields)) {
    const match = ID_FIELD.exec(field);
    if (!match || skip.has(field)) continue;
    const id = idOf(value);
    if (id) return { type: snake(match[1]), id };
  }
  for (const [field, type] of BROADEST) {
    const id = idOf(fields[field]);
    if (id) return { type, id };
  }
  return null;
}
