// The console's areas: each is a folder under areas/ with a routes.ts (paths and lazy pages,
// in the first bundle) and its pages (a chunk of their own, loaded when a route is visited).
// Adding an area: write areas/<area>/routes.ts and list it here (docs/console.md).
import type { RouteObject } from 'react-router';
import { accountNav, accountRoutes } from '../areas/account/routes';
import { homeRoutes } from '../areas/home/routes';
import { invitationRoutes } from '../areas/organizations/routes';
import { settingsNav, settingsRoutes } from '../areas/settings/routes';

export interface NavItem {
  to: string;
  label: string;
}

export const AREA_ROUTES: RouteObject[] = [...homeRoutes, ...accountRoutes, ...settingsRoutes, ...invitationRoutes];
export const NAV: NavItem[] = [...accountNav, ...settingsNav];
