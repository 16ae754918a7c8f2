// The audit log's filters as the form holds them → the API's query. The form's times are the
// person's local time (datetime-local); the API wants RFC 3339 instants.
export interface AuditFilters {
  type: string;
  actor: string;
  target: string;
  from: string;
  to: string;
}
export const NO_FILTERS: AuditFilters = { type: '', actor: '', target: '', from: '', to: '' };

export interface AuditQuery {
  type?: string;
  actor?: string;
  target?: string;
  from?: string;
  to?: string;
}

/** `2026-12-07T09:30` (local) → `2026-12-07T08:30:00.000Z`; an unreadable time is sent as typed, for the API to refuse next to its field. */
const instant = (local: string) => {
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? local : t.toISOString();
};

export function auditQuery(f: AuditFilters): AuditQuery {
  const q: AuditQuery = {};
  if (f.type.trim()) q.type = f.type.trim();
  if (f.actor) q.actor = f.actor;
  if (f.target.trim()) q.target = f.target.trim();
  if (f.from) q.from = instant(f.from);
  if (f.to) q.to = instant(f.to);
  return q;
}
