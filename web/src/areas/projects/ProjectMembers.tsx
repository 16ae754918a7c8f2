// A project's members: their role (manager, contributor, viewer) and own hourly rate; add an
// organization member, change a role, remove someone.
import { useCallback } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import { Form } from '../../ui/Form';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { loadOrgMembers } from './load';

type Role = components['schemas']['ProjectMember']['role'];
const ROLES: { value: Role; label: string }[] = [
  { value: 'manager', label: 'Manager' },
  { value: 'contributor', label: 'Contributor' },
  { value: 'viewer', label: 'Viewer' },
];

export function ProjectMembers({ orgId, projectId, canManage }: { orgId: string; projectId: string; canManage: boolean }) {
  const members = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/projects/{projectId}/members', { params: { path: { orgId, projectId } } })), [orgId, projectId]));
  const orgMembers = useLoad(useCallback(() => (canManage ? loadOrgMembers(orgId) : Promise.resolve([])), [orgId, canManage]));
  const put = useAction(async (userId: string, role: Role) => {
    await call(api.PUT('/orgs/{orgId}/projects/{projectId}/members/{userId}', { params: { path: { orgId, projectId, userId } }, body: { role } }));
    await members.reload();
  });
  const remove = useAction(async (userId: string) => {
    await call(api.DELETE('/orgs/{orgId}/projects/{projectId}/members/{userId}', { params: { path: { orgId, projectId, userId } } }));
    await members.reload();
  });
  const add = useAction(async (v: Record<string, string>) => put.start(v.userId, v.role as Role));
  const inProject = new Set(members.data?.data.map((m) => m.userId));
  const candidates = orgMembers.data?.filter((m) => !inProject.has(m.userId)) ?? [];

  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <ProblemAlert problem={members.problem ?? put.problem ?? remove.problem} />
      <ul className="list" aria-label="Members">
        {members.data?.data.map((m) => {
          const who = m.email ?? 'a former member';
          return (
            <li key={m.userId}>
              <div>
                <strong>{who}</strong>
                {m.hourlyRateMinor !== null && <span className="meta"> · {(m.hourlyRateMinor / 100).toFixed(2)} an hour</span>}
              </div>
              <div className="toolbar">
                <label className="visually-hidden" htmlFor={`role-${m.userId}`}>
                  Role of {who}
                </label>
                <select id={`role-${m.userId}`} value={m.role} disabled={!canManage} onChange={(e) => void put.start(m.userId, e.target.value as Role)}>
                  {ROLES.map((r) => (
                    <option key={r.value} value={r.value}>
                      {r.label}
                    </option>
                  ))}
                </select>
                {canManage && (
                  <button type="button" className="danger" onClick={() => void remove.start(m.userId)}>
                    Remove<span className="visually-hidden"> {who} from the project</span>
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {canManage && candidates.length > 0 && (
        <Form onSubmit={add.start} problem={add.problem} pending={add.pending || put.pending} submitLabel="Add to the project" label="Add a member">
          {() => (
            <div className="row-fields">
              <div className="field">
                <label htmlFor="member-user">Organization member</label>
                <select id="member-user" name="userId">
                  {candidates.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.email}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="member-role">Role</label>
                <select id="member-role" name="role" defaultValue="contributor">
                  {ROLES.map((r) => (
                    <option key={r.value} value={r.value}>
                      {r.label}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          )}
        </Form>
      )}
    </section>
  );
}
