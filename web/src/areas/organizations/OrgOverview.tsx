// An organization's start page (the switcher opens it): what it is, my role, the organizations
// under it, and its pages.
import { Link } from 'react-router';
import { useOrgs } from '../../app/orgs';
import { Page } from '../../ui/Page';
import { isAdmin, roleLabel } from './roles';
import { useOrg } from './useOrg';

export function OrgOverview() {
  const { orgId, org, loaded } = useOrg();
  const list = useOrgs() ?? [];
  if (!loaded) return <p role="status">Loading…</p>;
  if (!org) {
    return (
      <Page title="Organization not found">
        <p>
          No such organization, or you are not a member of it. <Link to="/">Your organizations</Link>
        </p>
      </Page>
    );
  }
  const parent = list.find((o) => o.id === org.parentId);
  const children = list.filter((o) => o.parentId === orgId);
  const admin = isAdmin(org.role);
  return (
    <Page title={org.name}>
      <dl className="facts">
        <dt>Your role</dt>
        <dd>
          {roleLabel(org.role)}
          {org.inherited && ' (from an organization above)'}
        </dd>
        <dt>Slug</dt>
        <dd>{org.slug}</dd>
        {org.parentId && (
          <>
            <dt>Under</dt>
            <dd>{parent ? <Link to={`/orgs/${parent.id}`}>{parent.name}</Link> : 'an organization you are not a member of'}</dd>
          </>
        )}
      </dl>
      <h2>Pages</h2>
      <ul className="links">
        <li>
          <Link to="members">Members{admin ? ' and invitations' : ''}</Link>
        </li>
        {admin && (
          <>
            <li>
              <Link to="audit">Audit log</Link>
            </li>
            <li>
              <Link to="webhooks">Webhooks</Link>
            </li>
          </>
        )}
      </ul>
      <h2>Organizations under {org.name}</h2>
      {children.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <ul className="links" aria-label={`Organizations under ${org.name}`}>
          {children.map((c) => (
            <li key={c.id}>
              <Link to={`/orgs/${c.id}`}>{c.name}</Link>
            </li>
          ))}
        </ul>
      )}
      {admin && (
        <p>
          <Link to={`/orgs/new?parent=${orgId}`}>Create an organization under {org.name}</Link>
        </p>
      )}
    </Page>
  );
}
