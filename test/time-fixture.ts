// Helpers shared by the time suites: URLs, a workspace with projects and members, entries
// made through the HTTP API, a movable clock, and a look at the outbox.
import { expect } from 'vitest';
import type { Clock } from '../src/core/module.ts';
import { bearer, type TestApp } from './harness.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

export const orgUrl = (orgId: string, rest: string) => `/api/v1/orgs/${orgId}${rest}`;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request as `token` (none when null). */
export function call(t: TestApp, token: string | null, method: Method, url: string, payload?: unknown) {
  return t.request({ method, url, headers: token ? bearer(token) : {}, ...(payload !== undefined ? { payload: payload as any } : {}) });
}

/**
 * Real time plus an offset the test moves forward, so timers can run for exact durations.
 * `frozen`: time stands still (at a whole second) between advances, so durations are exact
 * even when the test itself crosses a second.
 */
export function movableClock(opts: { frozen?: boolean } = {}): Clock & { advance(ms: number): void } {
  let offset = 0;
  const base = Math.floor(Date.now() / 1000) * 1000;
  return {
    now: () => new Date((opts.frozen ? base : Date.now()) + offset),
    advance(ms: number) {
      offset += ms;
    },
  };
}

export interface TimeWorkspace {
  orgId: string;
  owner: U;
  admin: U;
  /** A project member contributing to `project`. */
  member: U;
  /** A second contributor of `project`. */
  peer: U;
  /** Manager of `project` (an org member, not an org admin). */
  manager: U;
  viewer: U;
  outsider: U;
  outsiderOrgId: string;
  project: { id: string };
}

/** An org with every role, one project with a manager and two contributors. */
export async function timeWorkspace(t: TestApp, projectBody: Record<string, unknown> = {}): Promise<TimeWorkspace> {
  const w = await orgWithRoles(t);
  const manager = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  const peer = await addMember(t, w.owner.accessToken, w.orgId, 'member');
  const project = await createProject(t, w.owner.accessToken, w.orgId, projectBody);
  await putMember(t, w.owner.accessToken, w.orgId, project.id, manager.userId, 'manager');
  await putMember(t, w.owner.accessToken, w.orgId, project.id, w.member.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, project.id, peer.userId, 'contributor');
  await putMember(t, w.owner.accessToken, w.orgId, project.id, w.viewer.userId, 'contributor');
  return { ...w, manager, peer, project };
}

/** Logs an entry as `token` and expects 201. */
export async function logTime(t: TestApp, token: string, orgId: string, body: Record<string, unknown>) {
  const res = await call(t, token, 'POST', orgUrl(orgId, '/time-entries'), body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** Events of a type in the outbox for an org, oldest first. */
export async function outbox(t: TestApp, type: string, orgId: string) {
  const rows = await t.database.db
    .selectFrom('core.outbox')
    .select(['type', 'payload', 'actor_id', 'org_id'])
    .where('type', '=', type)
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
  return rows.map((r: any) => ({ ...r, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload }));
}

/** Sets the org's time zone through the organizations API. */
export async function setOrgZone(t: TestApp, ownerToken: string, orgId: string, timezone: string) {
  const res = await call(t, ownerToken, 'PATCH', `/api/v1/orgs/${orgId}`, { timezone });
  expect(res.statusCode, res.body).toBe(200);
}
