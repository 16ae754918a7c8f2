// Who sees and who changes an assistant or a prompt template: pure rules, unit-tested beside.
// The service applies them after the org's own check (assertRole), never instead of it.

/** private: its creator alone; org: every member of the organization. */
export type Visibility = 'private' | 'org';

interface Owned {
  visibility: Visibility;
  created_by: string;
}

/** Whether `userId`, a member of the org, sees it at all: others get 404, as if it did not exist. */
export function visibleTo(row: Owned, userId: string): boolean {
  return row.visibility === 'org' || row.created_by === userId;
}

/**
 * Whether a member who sees it may change or delete it: its creator, or an org admin for one
 * shared with the org. A private one is its creator's alone (admins do not even see it).
 */
export function mayChange(row: Owned, userId: string, isOrgAdmin: boolean): boolean {
  if (!visibleTo(row, userId)) return false;
  return row.created_by === userId || (row.visibility === 'org' && isOrgAdmin);
}

/** A name as stored: trimmed, inner runs of spaces made one. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}
