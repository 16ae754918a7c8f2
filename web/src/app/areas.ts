// The console's areas: each is a folder under areas/ with a routes.ts (paths and lazy pages,
// in the first bundle) and its pages (a chunk of their own, loaded when a route is visited).
// Adding an area: write areas/<area>/routes.ts and list it here (docs/console.md). Org-scoped
// areas put their paths under orgs/:orgId/<area> and their header entries in ORG_NAV.
import type { RouteObject } from 'react-router';
import { accountNav, accountRoutes } from '../areas/account/routes';
import { chatNav, chatRoutes } from '../areas/chat/routes';
import { codebaseNav, codebaseRoutes } from '../areas/codebase/routes';
import { dashboardNav, dashboardRoutes } from '../areas/dashboards/routes';
import { dataNav, dataRoutes } from '../areas/data/routes';
import { homeRoutes } from '../areas/home/routes';
import { liveRoutes } from '../areas/live/routes';
import { organizationNav, organizationRoutes } from '../areas/organizations/routes';
import { projectNav, projectRoutes } from '../areas/projects/routes';
import { settingsNav, settingsRoutes } from '../areas/settings/routes';
import { timeNav, timeRoutes } from '../areas/time/routes';

export interface NavItem {
  to: string;
  label: string;
}

/** An entry of an org-scoped area: `to` is relative to /orgs/:orgId/ ('time', 'dashboards'). */
export interface OrgNavItem {
  to: string;
  label: string;
}

export const AREA_ROUTES: RouteObject[] = [
  ...homeRoutes,
  ...accountRoutes,
  ...settingsRoutes,
  ...organizationRoutes,
  ...liveRoutes,
  ...timeRoutes,
  ...projectRoutes,
  ...dataRoutes,
  ...dashboardRoutes,
  ...chatRoutes,
  ...codebaseRoutes,
];
/** The header's entries outside any organization. */
export const NAV: NavItem[] = [{ to: '/account/sessions', label: 'Account' }];
/** The account's own pages: a second navigation under the header on those pages. */
export const ACCOUNT_NAV: NavItem[] = [...accountNav, ...settingsNav];
/** The header's entries for the current organization, in this order. */
export const ORG_NAV: OrgNavItem[] = [...timeNav, ...projectNav, ...dataNav, ...dashboardNav, ...chatNav, ...codebaseNav, ...organizationNav];
