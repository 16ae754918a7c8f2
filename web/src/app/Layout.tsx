// The frame of every page: a skip link, the header (areas, theme, sign-out), the page.
import { Suspense } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { api } from '../api/client';
import { InboxLink } from '../areas/live/InboxLink';
import { session } from '../api/session';
import { TimerBar } from '../areas/time/TimerBar';
import { ThemeToggle } from '../ui/ThemeToggle';
import { ACCOUNT_NAV, NAV, ORG_NAV } from './areas';
import { OrgSwitcher } from './OrgSwitcher';
import { useCurrentOrgId } from './orgs';
import { useSession } from './useSession';

export function Layout() {
  const state = useSession();
  const navigate = useNavigate();
  const orgId = useCurrentOrgId();
  // The account's pages (sessions, password, keys, notifications) share one header entry; their
  // own list shows on them only, so the header stays one line of the product's areas.
  const { pathname } = useLocation();
  const onAccountPage = ACCOUNT_NAV.some((item) => pathname.startsWith(item.to));
  const signOut = async () => {
    // The session ends on the server and the cookie is cleared; whatever the answer, this page forgets it.
    await api.POST('/auth/logout').catch(() => undefined);
    session.signedOut();
    navigate('/sign-in');
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Trellis
        </Link>
        {state.status === 'signed-in' && (
          <nav aria-label="Areas">
            <ul>
              {orgId &&
                ORG_NAV.map((item) => (
                  <li key={item.to}>
                    <NavLink to={`/orgs/${orgId}/${item.to}`}>{item.label}</NavLink>
                  </li>
                ))}
              {NAV.map((item) => (
                <li key={item.to}>
                  {/* "Account" is the current entry on any of the account's pages. */}
                  <NavLink to={item.to} aria-current={onAccountPage ? 'page' : undefined}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {/* The running timer of the current org, on every page (the time area). */}
        {state.status === 'signed-in' && orgId && <TimerBar orgId={orgId} />}
        <div className="actions">
          {state.status === 'signed-in' && <InboxLink />}
          {state.status === 'signed-in' && <OrgSwitcher />}
          <ThemeToggle />
          {state.status === 'signed-in' && (
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      {state.status === 'signed-in' && onAccountPage && (
        <nav aria-label="Account" className="account-nav">
          <ul>
            {ACCOUNT_NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
    </>
  );
}
