// Live: the in-app notifications (the header's Inbox link and its page), arriving through the
// realtime stream (api/live.ts) without a reload.
import type { RouteObject } from 'react-router';
import { lazyPage } from '../../app/lazyPage';

const pages = () => import('./pages');

export const liveRoutes: RouteObject[] = [{ path: 'notifications', lazy: lazyPage(pages, 'Inbox', { signedIn: true }) }];
