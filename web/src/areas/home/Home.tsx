// The signed-in start page: my organizations (each opens its overview; the switcher in the
// header does the same from anywhere), a way to create one, and my account's pages.
import { Link } from 'react-router';
import { useOrgs } from '../../app/orgs';
import { useSession } from '../../app/useSession';
import { Page } from '../../ui/Page';

const ROLE: Record<string, string> = { owner: 'Owner', admin: 'Admin', member: 'Member', viewer: 'Viewer' };

export function Home() {
  const state = useSession();
  const list = useOrgs();
  if (state.status !== 'signed-in') return null;
  const names = new Map(list?.map((o) => [o.id, o.name]));
  return (
    <Page title="Welcome">
      <p>You are signed in as {state.user.email}.</p>
      {!state.user.emailVerified && <p className="notice">Your email address is not verified yet: open the link in the mail we sent.</p>}
      <h2>Your organizations</h2>
      {!list && <p role="status">Loading…</p>}
      {list?.length === 0 && <p>You belong to no organization yet. Create one, or accept an invitation from the mail you received.</p>}
      {list && list.length > 0 && (
        <ul className="list" aria-label="Your organizations">
          {list.map((o) => (
            <li key={o.id}>
              <div>
                <Link to={`/orgs/${o.id}`}>{o.name}</Link>
                <div className="meta">
                  {ROLE[o.role] ?? o.role}
                  {o.parentId && names.has(o.parentId) ? ` · under ${names.get(o.parentId)}` : ''}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to="/orgs/new">Create an organization</Link>
      </p>
      <h2>Your account</h2>
      <ul className="links">
        <li><Link to="/account/sessions">Sessions and devices</Link></li>
        <li><Link to="/account/password">Change the password</Link></li>
        <li><Link to="/account/security">Two-step sign-in</Link></li>
        <li><Link to="/account/api-keys">API keys</Link></li>
        <li><Link to="/settings/notifications">Notification preferences</Link></li>
        <li><Link to="/notifications">Inbox</Link></li>
      </ul>
    </Page>
  );
}
