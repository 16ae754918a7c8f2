import { Link } from 'react-router';
import { useSession } from '../../app/useSession';
import { Page } from '../../ui/Page';

export function Home() {
  const state = useSession();
  if (state.status !== 'signed-in') return null;
  return (
    <Page title="Welcome">
      <p>You are signed in as {state.user.email}.</p>
      {!state.user.emailVerified && <p className="notice">Your email address is not verified yet: open the link in the mail we sent.</p>}
      <h2>Your account</h2>
      <ul className="links">
        <li><Link to="/account/sessions">Sessions and devices</Link></li>
        <li><Link to="/account/password">Change the password</Link></li>
        <li><Link to="/account/security">Two-step sign-in</Link></li>
        <li><Link to="/account/api-keys">API keys</Link></li>
        <li><Link to="/settings/notifications">Notification preferences</Link></li>
      </ul>
    </Page>
  );
}
