// Members of an organization (direct and inherited) with their roles; admins change roles,
// remove members and invite people by email (the mail's link opens /invitations/accept).
import { type FormEvent, useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';
import { orgs } from '../../app/orgs';
import { useLoad } from '../../app/useLoad';
import { useSession } from '../../app/useSession';
import { Field, SelectField } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { grantable, isAdmin, type Role, roleLabel } from './roles';
import { useOrg } from './useOrg';

type Member = components['schemas']['OrganizationMember'];
const day = (iso: string) => new Date(iso).toLocaleDateString();

/** Every page of a cursor-paged list (members and invitations are short lists). */
async function all<T>(page: (cursor?: string) => Promise<{ data: T[]; page: { nextCursor?: string | null } }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    out.push(...next.data);
    cursor = next.page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

export function Members() {
  const { orgId, org } = useOrg();
  const state = useSession();
  const navigate = useNavigate();
  const me = state.status === 'signed-in' ? state.user.id : undefined;
  const admin = isAdmin(org?.role);
  const [notice, setNotice] = useState('');

  const members = useLoad(
    useCallback(() => all((cursor) => call(api.GET('/orgs/{orgId}/members', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))), [orgId]),
  );
  const invitations = useLoad(
    useCallback(
      async () => (admin ? all((cursor) => call(api.GET('/orgs/{orgId}/invitations', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))) : []),
      [orgId, admin],
    ),
  );

  const changeRole = useAction(async (m: Member, role: Role) => {
    setNotice('');
    await call(api.PATCH('/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId: m.userId } }, body: { role } }));
    await members.reload();
    if (m.userId === me) await orgs.reload();
    setNotice(`${m.email} is now ${roleLabel(role)}.`);
  });
  const remove = useAction(async (m: Member) => {
    setNotice('');
    await call(api.DELETE('/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId: m.userId } } }));
    if (m.userId === me) {
      // Leaving: this organization's pages are no longer mine.
      await orgs.reload();
      navigate('/');
      return;
    }
    await members.reload();
    setNotice(`${m.email} was removed.`);
  });
  const invite = useAction(async (v: Record<string, string>) => {
    setNotice('');
    const sent = await call(api.POST('/orgs/{orgId}/invitations', { params: { path: { orgId } }, body: { email: v.email, role: v.role as Role } }));
    await invitations.reload();
    setNotice(`An invitation is mailed to ${sent.email}.`);
  });
  const revoke = useAction(async (id: string, email: string) => {
    setNotice('');
    await call(api.DELETE('/orgs/{orgId}/invitations/{id}', { params: { path: { orgId, id } } }));
    await invitations.reload();
    setNotice(`The invitation to ${email} is withdrawn.`);
  });

  const submitRole = (m: Member) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void changeRole.start(m, new FormData(event.currentTarget).get('role') as Role);
  };

  return (
    <Page title={org ? `Members of ${org.name}` : 'Members'}>
      {notice && <Notice>{notice}</Notice>}
      <ProblemAlert problem={members.problem ?? changeRole.problem ?? remove.problem} />
      {!members.data && !members.problem && <p role="status">Loading…</p>}
      <div className="table-scroll">
        <table className="table">
          <caption className="visually-hidden">Members</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Since</th>
              {admin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {members.data?.map((m) => (
              <tr key={m.userId}>
                <th scope="row">
                  {m.email}
                  {m.userId === me && <span className="tag">You</span>}
                </th>
                <td>
                  {roleLabel(m.role)}
                  {m.inherited && <div className="meta">from an organization above</div>}
                </td>
                <td>{day(m.joinedAt)}</td>
                {admin && (
                  <td>
                    <div className="row-actions">
                      <form className="inline-form" onSubmit={submitRole(m)} aria-label={`Role of ${m.email}`}>
                        <label>
                          <span className="visually-hidden">New role of {m.email}</span>
                          <select name="role" className="select" defaultValue={m.role} key={m.role}>
                            {grantable(org?.role).map((r) => (
                              <option key={r.value} value={r.value}>
                                {r.label}
                              </option>
                            ))}
                          </select>
                        </label>
                        <button type="submit" disabled={changeRole.pending}>
                          Change<span className="visually-hidden"> the role of {m.email}</span>
                        </button>
                      </form>
                      {!m.inherited && (
                        <button type="button" className="danger" disabled={remove.pending} onClick={() => remove.start(m)}>
                          {m.userId === me ? 'Leave' : 'Remove'}
                          <span className="visually-hidden"> {m.email}</span>
                        </button>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {admin && (
        <>
          <h2>Invite someone</h2>
          <Form onSubmit={invite.start} problem={invite.problem} pending={invite.pending} submitLabel="Send the invitation" label="Invite someone">
            {(errors) => (
              <>
                <Field label="Email" name="email" type="email" required autoComplete="off" error={errors.email} />
                <SelectField label="Role" name="role" defaultValue="member" error={errors.role}>
                  {grantable(org?.role).map((r) => (
                    <option key={r.value} value={r.value}>
                      {r.label}
                    </option>
                  ))}
                </SelectField>
              </>
            )}
          </Form>
          <h2>Pending invitations</h2>
          <ProblemAlert problem={invitations.problem ?? revoke.problem} />
          {invitations.data?.length === 0 && <p>No invitation is waiting.</p>}
          <ul className="list" aria-label="Pending invitations">
            {invitations.data?.map((i) => (
              <li key={i.id}>
                <div>
                  <strong>{i.email}</strong> <span className="meta">as {roleLabel(i.role)}</span>
                  <div className="meta">Sent {day(i.createdAt)} · valid until {day(i.expiresAt)}</div>
                </div>
                <button type="button" className="danger" disabled={revoke.pending} onClick={() => revoke.start(i.id, i.email)}>
                  Withdraw<span className="visually-hidden"> the invitation to {i.email}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </Page>
  );
}
