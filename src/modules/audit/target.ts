// What an event is about: its producer says, in the event's declaration (decision 0036): the
// payload field naming the thing and the type it goes by. The audit log files the event under
// it, so "the history of task X" is one index lookup; this module names no producer's fields.
import type { EventTarget } from '../../core/events/declarations.ts';

export interface AuditTarget {
  type: string;
  id: string;
}

const MAX_ID_LENGTH = 200;

/** A usable id: a non-empty string, or the first such string of an array. */
function idOf(value: unknown): string | null {
  const v = Array.isArray(value) ? value.find((x) => typeof x === 'string' && x.length > 0) : value;
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH ? v : null;
}

/**
 * The target `declared` names in `payload`; null when the event declares none, is not declared
 * (an event a newer version published), or its payload leaves the field empty (a failed login
 * of an unknown email).
 */
export function targetOf(declared: EventTarget | null | undefined, payload: unknown): AuditTarget | null {
  if (!declared || payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const id = idOf((payload as Record<string, unknown>)[declared.field]);
  return id ? { type: declared.type, id } : null;
}
