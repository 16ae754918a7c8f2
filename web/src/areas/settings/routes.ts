// Settings: notification preferences. `/settings/notifications` is the link in every
// notification mail's footer (src/modules/notifications/delivery.ts): keep the path.
import type { RouteObject } from 'react-router';
import type { NavItem } from '../../app/areas';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const settingsRoutes: RouteObject[] = [{ path: 'settings/notifications', lazy: lazyPage(pages, 'NotificationSettings', { signedIn: true }) }];

export const settingsNav: NavItem[] = [{ to: '/settings/notifications', label: 'Notifications' }];
