import type { RouteObject } from 'react-router';
import { lazyPage } from '../../app/lazyPage';

export const homeRoutes: RouteObject[] = [{ index: true, lazy: lazyPage(() => import('./Home'), 'Home', { signedIn: true }) }];
