// Shared fixture for org-scoped suites: organizations and members with each role, made
// through the public HTTP API (create, invite, mailed token, accept) like a real client.
import type { OrganizationView, OrgRole } from '../src/modules/organizations/index.ts';
import { bearer, lastMailToken, signUp, type TestApp } from './harness.ts';

export type { OrgRole };
export type OrgView = OrganizationView & { role: OrgRole; inherited: boolean };

/** A signed-in user. */
export interface U {
  userId: string;
  email: string;
  accessToken: string;
}

/** The organizations façade of a test app, typed. */
export const orgsApi = (t: TestApp) => t.app.apis.organizations;

let seq = 0;
/** Unique across files running at once (process id) and within a file (counter). */
export function uniqueSlug(tag = 'org'): string {
  seq++;
  return `${tag}-${process.pid}-${seq}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * signUp from an address of its own (198.18.0.0/15, reserved for benchmarks): register and
 * login are limited per IP (AUTH_RATE_LIMIT), and fixtures sign up many users per file.
 */
export async function newUser(t: TestApp): Promise<U> {
  const address = `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
  const request = ((opts: any) => t.request({ ...opts, remoteAddress: address })) as TestApp['request'];
  const user = await signUp({ ...t, request });
  return { userId: user.userId, email: user.email, accessToken: user.accessToken };
}

/** Creates an org as the token's user (its owner); a unique slug unless one is given. */
export async function createOrg(t: TestApp, token: string, body: { name?: string; slug?: string; parentId?: string } = {}): Promise<OrgView> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/orgs',
    headers: bearer(token),
    payload: { name: body.name ?? 'Test Org', slug: body.slug ?? uniqueSlug(), ...(body.parentId ? { parentId: body.parentId } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`create org failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Signs up a fresh user, invites them with `role` as `ownerToken`, delivers the mail and accepts it. */
export async function addMember(t: TestApp, ownerToken: string, orgId: string, role: OrgRole): Promise<U> {
  const user = await newUser(t);
  const invite = await t.request({
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/invitations`,
    headers: bearer(ownerToken),
    payload: { email: user.email, role },
  });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`);
  await t.drain();
  const token = lastMailToken(t, user.email);
  const accept = await t.request({ method: 'POST', url: '/api/v1/invitations/accept', headers: bearer(user.accessToken), payload: { token } });
  if (accept.statusCode !== 200) throw new Error(`accept failed: ${accept.statusCode} ${accept.body}`);
  return { userId: user.userId, email: user.email, accessToken: user.accessToken };
}

/** One org with a user in each role, plus an outsider who owns a different org. */
export async function orgWithRoles(t: TestApp): Promise<{ orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string }> {
  const owner = await newUser(t);
  const org = await createOrg(t, owner.accessToken);
  const admin = await addMember(t, owner.accessToken, org.id, 'admin');
  const member = await addMember(t, owner.accessToken, org.id, 'member');
  const viewer = await addMember(t, owner.accessToken, org.id, 'viewer');
  const outsider = await newUser(t);
  const other = await createOrg(t, outsider.accessToken);
  return { orgId: org.id, owner, admin, member, viewer, outsider, outsiderOrgId: other.id };
}
