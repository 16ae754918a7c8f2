// The dashboards area: the org's dashboards and the builder, alerts on questions, and the page a
// share link opens without signing in. /orgs/:orgId/dashboards/:id is the path subscription
// mails link to (docs/console.md): keep it.
import type { RouteObject } from 'react-router';
import type { OrgNavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const dashboardRoutes: RouteObject[] = [
  { path: 'orgs/:orgId/dashboards', lazy: lazyPage(pages, 'Dashboards', { signedIn: true }) },
  { path: 'orgs/:orgId/dashboards/:id', lazy: lazyPage(pages, 'Dashboard', { signedIn: true }) },
  { path: 'orgs/:orgId/alerts', lazy: lazyPage(pages, 'Alerts', { signedIn: true }) },
  { path: 'shared/dashboards/:token', lazy: lazyPage(pages, 'SharedDashboard') },
];

export const dashboardNav: OrgNavItem[] = [
  { to: 'dashboards', label: 'Dashboards' },
  { to: 'alerts', label: 'Alerts' },
];
