// The time area: my week (entries, keyboard first), timesheets (submit, approve, reject) and
// reports (grouped totals, a chart, files made in the background). The running timer is in
// the header (TimerBar, in the first bundle); these pages are one chunk, loaded on first visit.
import type { RouteObject } from 'react-router';
import type { OrgNavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const timeRoutes: RouteObject[] = [
  { path: 'orgs/:orgId/time', lazy: lazyPage(pages, 'Week', { signedIn: true }) },
  { path: 'orgs/:orgId/time/timesheets', lazy: lazyPage(pages, 'Timesheets', { signedIn: true }) },
  { path: 'orgs/:orgId/reports', lazy: lazyPage(pages, 'Reports', { signedIn: true }) },
];

export const timeNav: OrgNavItem[] = [
  { to: 'time', label: 'Time' },
  { to: 'reports', label: 'Reports' },
];
