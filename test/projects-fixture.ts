// Helpers shared by the projects suites: requests against /orgs/{orgId}/projects and
// a look at the outbox.
import { expect } from 'vitest';
import { bearer, type TestApp } from './harness.ts';

export const API = '/api/v1';
export const projectsUrl = (orgId: string, rest = '') => `${API}/orgs/${orgId}/projects${rest}`;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request as `token` (none when null). */
export function call(t: TestApp, token: string | null, method: Method, url: string, payload?: unknown) {
  return t.request({ method, url, headers: token ? bearer(token) : {}, ...(payload !== undefined ? { payload: payload as any } : {}) });
}

let keySeq = 0;
/** A key unique within the file, matching ^[A-Z][A-Z0-9]{1,9}$. */
export function uniqueKey(prefix = 'P'): string {
  keySeq++;
  return `${prefix}${keySeq}`.slice(0, 10);
}

export async function createProject(t: TestApp, token: string, orgId: string, body: Record<string, unknown> = {}) {
  const res = await call(t, token, 'POST', projectsUrl(orgId), { name: 'Project', key: uniqueKey(), ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export async function putMember(t: TestApp, token: string, orgId: string, projectId: string, userId: string, role: string) {
  const res = await call(t, token, 'PUT', projectsUrl(orgId, `/${projectId}/members/${userId}`), { role });
  expect([200, 201], res.body).toContain(res.statusCode);
  return res.json();
}

/** Events of a type in the outbox, oldest first. */
export async function outbox(t: TestApp, type: string, orgId?: string) {
  let q = t.database.db.selectFrom('core.outbox').select(['type', 'payload', 'actor_id', 'org_id', 'request_id']).where('type', '=', type);
  if (orgId) q = q.where('org_id', '=', orgId);
  const rows = await q.orderBy('id').execute();
  return rows.map((r: any) => ({ ...r, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload }));
}
