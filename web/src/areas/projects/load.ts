// Lists the time and projects pages need whole (a person's projects, an org's members): the API
// pages them (at most 100 a page), so these follow the cursors to the end.
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';

export type Project = components['schemas']['Project'];
export type OrgMember = components['schemas']['OrganizationMember'];

interface Paged<T> {
  data: T[];
  page: { nextCursor: string | null };
}

/** Every item of a paged list: `fetchPage(cursor)` returns one page. */
export async function loadAll<T>(fetchPage: (cursor: string | undefined) => Promise<Paged<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    all.push(...page.data);
    cursor = page.page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** The projects I can see in the org, archived ones included (past entries name them), by name. */
export function loadProjects(orgId: string): Promise<Project[]> {
  return loadAll((cursor) =>
    call(api.GET('/orgs/{orgId}/projects', { params: { path: { orgId }, query: { limit: 100, sort: 'name', ...(cursor ? { cursor } : {}) } } })),
  );
}

/** The org's members (with their email, to name people on timesheets and in projects). */
export function loadOrgMembers(orgId: string): Promise<OrgMember[]> {
  return loadAll((cursor) => call(api.GET('/orgs/{orgId}/members', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } })));
}

/** `WEB · Website` */
export const projectLabel = (p: Pick<Project, 'key' | 'name'>) => `${p.key} · ${p.name}`;

/** Empties the form the person just used (Enter in a field, or its button), keeping the focus there for the next one. */
export function resetActiveForm() {
  (document.activeElement as HTMLInputElement | HTMLButtonElement | null)?.form?.reset();
}
